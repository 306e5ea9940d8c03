// I/O multiplexing as C has it: poll(2) and select(2) on plain descriptors, blocking the
// calling thread. (The Socket class waits with the event loop instead: socket_handle.h.)
#pragma once

#include "build_config.h"

namespace bsdsock {

// poll(entries: Int32Array, count, timeoutMs) -> ready | -errno. entries holds `count` triples
// (fd, events, revents); revents is written back. timeoutMs -1 waits for ever.
Napi::Value Poll(const Napi::CallbackInfo& info);
// select(readfds, writefds, exceptfds: Int32Array, timeoutMs, readyOut: Uint8Array)
// -> ready | -errno. readyOut[i] is 1 for each ready descriptor, in the order of the three sets
// laid end to end. timeoutMs -1 waits for ever. A descriptor outside [0, FD_SETSIZE) is EINVAL.
Napi::Value Select(const Napi::CallbackInfo& info);
// wouldWait(fd, events) -> 1 when a call waiting for `events` on fd would block now (a blocking
// descriptor, not ready), 0 when it would return at once, or -errno. Asked only by the trace.
Napi::Value WouldWait(const Napi::CallbackInfo& info);
// The names strace gives the calls above on this platform: { poll, select }.
Napi::Object MultiplexSyscalls(Napi::Env env);

}  // namespace bsdsock
