// Each test file must end with exactly the descriptors it started with: a leaked socket (or
// one closed twice by mistake) shows up here.
import { openDescriptors } from '../helpers/descriptors';
import { releaseHeldPorts } from '../helpers/sockets';

let before: string[];

beforeAll(() => {
  before = openDescriptors();
});

afterAll(() => {
  releaseHeldPorts();
  expect(openDescriptors()).toEqual(before);
});
