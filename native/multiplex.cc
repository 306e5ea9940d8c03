#include "multiplex.h"

#include "platform.h"

#include <chrono>
#include <climits>
#include <cstdint>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/time.h>

#include "args.h"
#include "deadline.h"
#include "interrupted_call.h"
#include "js_result.h"

namespace bsdsock {

namespace {

// Runs wait(timeout_ms) until it returns something other than EINTR, with the time left.
template <typename Wait>
int RetryWithDeadline(int64_t timeout_ms, Wait wait) {
  Deadline deadline(timeout_ms);
  int64_t left = timeout_ms;
  for (;;) {
    int result = wait(left);
    if (result != -1 || errno != EINTR) return result;
    left = deadline.LeftMs();
  }
}

int64_t ArgTimeout(const Napi::CallbackInfo& info, size_t index) {
  return ArgInteger(info, index, "timeout", -1, INT32_MAX);
}

// The three sets of select(), each an Int32Array of descriptors.
struct DescriptorSet {
  const int32_t* fds = nullptr;
  size_t count = 0;
  fd_set bits;

  // False when a descriptor cannot be put in an fd_set: FD_SET past FD_SETSIZE writes outside it.
  bool Fill(int* nfds) {
    FD_ZERO(&bits);
    for (size_t i = 0; i < count; i++) {
      if (fds[i] < 0 || fds[i] >= FD_SETSIZE) return false;
      FD_SET(fds[i], &bits);
      if (fds[i] + 1 > *nfds) *nfds = fds[i] + 1;
    }
    return true;
  }
  // NULL for an empty set, as a C program passes it (and as strace then shows it).
  fd_set* get() { return count > 0 ? &bits : nullptr; }
};

DescriptorSet ArgDescriptorSet(const Napi::CallbackInfo& info, size_t index, const char* name) {
  Napi::Value value = info[index];
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    ThrowTypeError(info.Env(), "ERR_INVALID_ARG_TYPE", std::string(name) + " must be an Int32Array");
  }
  Napi::Int32Array array = value.As<Napi::Int32Array>();
  DescriptorSet set;
  set.count = array.ElementLength();  // 0 when detached
  set.fds = set.count > 0 ? array.Data() : nullptr;
  return set;
}

int SelectOnce(int nfds, DescriptorSet* sets, int64_t timeout_ms) {
#if defined(BSDSOCK_OS_LINUX)
  // glibc's select() is the pselect6 syscall on current releases; calling pselect() makes that
  // certain, so the trace can name the call strace shows.
  timespec timeout{static_cast<time_t>(timeout_ms / 1000), static_cast<long>(timeout_ms % 1000) * 1000000L};
  return pselect(nfds, sets[0].get(), sets[1].get(), sets[2].get(), timeout_ms < 0 ? nullptr : &timeout, nullptr);
#else
  timeval timeout{static_cast<time_t>(timeout_ms / 1000), static_cast<suseconds_t>(timeout_ms % 1000) * 1000};
  return select(nfds, sets[0].get(), sets[1].get(), sets[2].get(), timeout_ms < 0 ? nullptr : &timeout);
#endif
}

}  // namespace

Napi::Value Poll(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t count = ArgInteger(info, 1, "count", 0, INT32_MAX / 3);
  int32_t* entries = ArgInt32Array(info, 0, "entries", static_cast<size_t>(count) * 3);
  int64_t timeout = ArgTimeout(info, 2);
  std::vector<pollfd> fds(static_cast<size_t>(count));
  for (size_t i = 0; i < fds.size(); i++) {
    fds[i].fd = entries[3 * i];
    fds[i].events = static_cast<short>(entries[3 * i + 1]);
    fds[i].revents = 0;
  }
  int result = RetryWithDeadline(timeout, [&](int64_t left) {
    return poll(fds.data(), static_cast<nfds_t>(fds.size()), static_cast<int>(left));
  });
  if (result >= 0) {
    for (size_t i = 0; i < fds.size(); i++) entries[3 * i + 2] = static_cast<uint16_t>(fds[i].revents);
  }
  return Result(env, result);
}

Napi::Value Select(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  DescriptorSet sets[3] = {ArgDescriptorSet(info, 0, "readfds"), ArgDescriptorSet(info, 1, "writefds"),
                           ArgDescriptorSet(info, 2, "exceptfds")};
  int64_t timeout = ArgTimeout(info, 3);
  ByteSpan ready = ArgBytes(info, 4, "readyOut");
  if (ready.length < sets[0].count + sets[1].count + sets[2].count) {
    ThrowRangeError(env, "ERR_OUT_OF_RANGE", "readyOut is smaller than the three sets together");
  }
  int nfds = 0;
  for (DescriptorSet& set : sets) {
    if (!set.Fill(&nfds)) return Failure(env, EINVAL);
  }
  // select() changes its sets: keep the asked ones to start each retry from.
  fd_set asked[3] = {sets[0].bits, sets[1].bits, sets[2].bits};
  int result = RetryWithDeadline(timeout, [&](int64_t left) {
    for (int i = 0; i < 3; i++) sets[i].bits = asked[i];
    return SelectOnce(nfds, sets, left);
  });
  if (result >= 0) {
    size_t out = 0;
    for (DescriptorSet& set : sets) {
      for (size_t i = 0; i < set.count; i++) ready.data[out++] = FD_ISSET(set.fds[i], &set.bits) ? 1 : 0;
    }
  }
  return Result(env, result);
}

Napi::Value WouldWait(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0);
  int events = static_cast<int>(ArgInteger(info, 1, "events", 0, SHRT_MAX));
  pollfd entry{fd, static_cast<short>(events), 0};
  if (RetryOnEintr([&] { return poll(&entry, 1, 0); }) == -1) return Failure(env, errno);
  if (entry.revents != 0) return Napi::Number::New(env, 0);  // ready, or an error to report
  int flags = RetryOnEintr([&] { return fcntl(fd, F_GETFL); });
  if (flags == -1) return Failure(env, errno);
  return Napi::Number::New(env, (flags & O_NONBLOCK) != 0 ? 0 : 1);
}

Napi::Object MultiplexSyscalls(Napi::Env env) {
  Napi::Object names = Napi::Object::New(env);
#if defined(BSDSOCK_OS_LINUX) && !defined(SYS_poll)
  names.Set("poll", "ppoll");  // arm64 Linux has no poll syscall: glibc calls ppoll
#else
  names.Set("poll", "poll");
#endif
#if defined(BSDSOCK_OS_LINUX)
  names.Set("select", "pselect6");
  // pselect6's sixth argument, as glibc fills it: no mask, and the size of the kernel's sigset_t
  // (NSIG counts signal 0 too).
  names.Set("sigsetSize", Napi::Number::New(env, (NSIG - 1) / 8));
#else
  names.Set("select", "select");
#endif
  return names;
}

}  // namespace bsdsock
