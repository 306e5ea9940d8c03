// Waiting in tests: a pause of the event loop (never a timing assertion).
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
