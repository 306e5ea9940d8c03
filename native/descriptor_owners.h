// Which descriptors are owned by a SocketHandle, process-wide.
//
// This is bsdsock's one piece of process-wide state, and deliberately so: descriptor numbers
// belong to the process, not to a thread, so a worker's flat close() or Socket.from() must see a
// descriptor that the main thread's Socket owns. A mutex guards it, so workers may use it at
// once. Everything else lives in per-environment instance data (addon_data.h).
#pragma once

namespace bsdsock {

// Records `fd` as owned; false (nothing recorded) when it is owned already.
bool ClaimDescriptor(int fd);
// Closes `fd` and forgets its owner in one step, so that a thread that gets the number back
// from the kernel at once can claim it (a claim waits for this to finish). The result is close's.
int CloseOwnedDescriptor(int fd);
// Forgets a claim whose owner never came to be (the descriptor stays open, the caller's).
void ForgetDescriptor(int fd);
// Whether a SocketHandle owns `fd` now.
bool DescriptorOwned(int fd);

}  // namespace bsdsock
