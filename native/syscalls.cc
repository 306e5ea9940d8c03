#include "syscalls.h"

#include <cstring>

#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "address.h"
#include "args.h"
#include "batch.h"
#include "descriptor.h"
#include "platform.h"
#include "interrupted_call.h"
#include "js_result.h"

namespace bsdsock {

namespace {

// POSIX: a connect() interrupted by a signal goes on asynchronously. Calling connect() again
// would answer EALREADY, so wait for the outcome the way a non-blocking connect does, within
// the socket's SO_SNDTIMEO when it has one (then EINPROGRESS, as the kernel answers).
int FinishInterruptedConnect(int fd) {
  InterruptedCall interrupted(fd, Waits::kToSend);
  pollfd entry{fd, POLLOUT, 0};
  int ready;
  do {
    if (!interrupted.Again()) {
      errno = EINPROGRESS;
      return -1;
    }
    ready = poll(&entry, 1, interrupted.MillisecondsLeft());
  } while (ready == -1 && errno == EINTR);
  if (ready == -1) return -1;
  int error = 0;
  socklen_t length = sizeof error;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == -1) return -1;
  if (error != 0) {
    errno = error;
    return -1;
  }
  return 0;
}

// After connect(AF_UNSPEC) macOS (and other BSDs) dissolve the UDP association yet answer
// EAFNOSUPPORT (or EINVAL on some releases); Linux answers 0. When the socket really has no
// peer any more, report success so that both platforms behave as Linux does.
bool DissolvedDespiteError(int fd, const SockaddrArg& address) {
  if (address.storage.ss_family != AF_UNSPEC) return false;
  if (errno != EAFNOSUPPORT && errno != EINVAL) return false;
  int error = errno;
  sockaddr_storage peer;
  socklen_t length = sizeof peer;
  bool dissolved = getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) == -1 &&
                   errno == ENOTCONN;
  errno = error;
  return dissolved;
}

Napi::Value AddressResult(Napi::Env env, int result, const sockaddr_storage& storage,
                          socklen_t length) {
  if (result == -1) return Failure(env, errno);
  return DecodeAddress(env, storage, length);
}

}  // namespace

Napi::Value Socket(const Napi::CallbackInfo& info) {
  int domain = ArgInt32(info, 0, "domain");
  int type = ArgInt32(info, 1, "type");
  int protocol = ArgInt32(info, 2, "protocol");
#ifdef BSDSOCK_HAVE_SOCK_CLOEXEC
  int fd = socket(domain, type | SOCK_CLOEXEC, protocol);
#else
  int fd = FinishNewDescriptor(socket(domain, type, protocol));
#endif
  return Result(info.Env(), fd);
}

Napi::Value Socketpair(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int domain = ArgInt32(info, 0, "domain");
  int type = ArgInt32(info, 1, "type");
  int protocol = ArgInt32(info, 2, "protocol");
  int fds[2];
#ifdef BSDSOCK_HAVE_SOCK_CLOEXEC
  if (socketpair(domain, type | SOCK_CLOEXEC, protocol, fds) == -1) return Failure(env, errno);
#else
  if (socketpair(domain, type, protocol, fds) == -1) return Failure(env, errno);
  if (FinishNewDescriptor(fds[0]) == -1) {
    int error = errno;
    CloseDescriptor(fds[1]);
    return Failure(env, error);
  }
  if (FinishNewDescriptor(fds[1]) == -1) {
    int error = errno;
    CloseDescriptor(fds[0]);
    return Failure(env, error);
  }
#endif
  Napi::Array pair = Napi::Array::New(env, 2);
  pair.Set(0u, Napi::Number::New(env, fds[0]));
  pair.Set(1u, Napi::Number::New(env, fds[1]));
  return pair;
}

Napi::Value Close(const Napi::CallbackInfo& info) {
  return Result(info.Env(), CloseDescriptor(ArgFd(info, 0)));
}

Napi::Value Bind(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0);
  SockaddrArg address;
  ArgSockaddr(info, 1, &address);
  return Result(info.Env(), bind(fd, address.get(), address.length));
}

Napi::Value Connect(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0);
  SockaddrArg address;
  ArgSockaddr(info, 1, &address);
  int result = connect(fd, address.get(), address.length);
  if (result == -1 && errno == EINTR) result = FinishInterruptedConnect(fd);
  if (result == -1 && DissolvedDespiteError(fd, address)) result = 0;
  return Result(info.Env(), result);
}

Napi::Value Listen(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0);
  int backlog = ArgInt32(info, 1, "backlog");
  return Result(info.Env(), listen(fd, backlog));
}

Napi::Value Accept(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0);
  sockaddr_storage peer;
  socklen_t length = sizeof peer;
  std::memset(&peer, 0, sizeof peer);
  sockaddr* sa = reinterpret_cast<sockaddr*>(&peer);
#ifdef BSDSOCK_HAVE_SOCK_CLOEXEC
  int client = RetryOnEintr(fd, Waits::kToReceive, [&] { return accept4(fd, sa, &length, SOCK_CLOEXEC); });
#else
  // Between accept() and FD_CLOEXEC a concurrent fork+exec could inherit the descriptor; the
  // platform offers nothing better. BSD accepted sockets inherit O_NONBLOCK from the listener
  // and Linux ones do not: clear it, so accept() returns a blocking descriptor everywhere.
  int client = FinishNewDescriptor(RetryOnEintr(fd, Waits::kToReceive, [&] { return accept(fd, sa, &length); }));
  if (client >= 0 && SetNonBlocking(client, false) == -1) {
    int error = errno;
    CloseDescriptor(client);
    return Failure(env, error);
  }
#endif
  if (client == -1) return Failure(env, errno);
  Napi::Array result = Napi::Array::New(env, 2);
  result.Set(0u, Napi::Number::New(env, client));
  result.Set(1u, DecodeAddress(env, peer, length));
  return result;
}

Napi::Value Shutdown(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0);
  int how = ArgInt32(info, 1, "how");
  return Result(info.Env(), shutdown(fd, how));
}

// sendto(fd, buffer, flags, address) and send(fd, buffer, flags): the whole view. These are
// the hot calls (lib/flat.ts has checked the arguments already; the checks here are for
// safety, kept to one Node-API call per argument).
Napi::Value Sendto(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0);
  ByteSpan data = ArgBytes(info, 1, "buffer");
  int flags = ArgInt32(info, 2, "flags") | BSDSOCK_SEND_FLAGS;
  sockaddr_storage spare;
  socklen_t length = 0;
  const sockaddr* address = SockaddrForKernel(info.Env(), info[3], &spare, &length);
  return Result(info.Env(), RetryOnEintr(fd, Waits::kToSend, [&] {
                  return sendto(fd, data.data, data.length, flags, address, length);
                }));
}

Napi::Value Send(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0);
  ByteSpan data = ArgBytes(info, 1, "buffer");
  int flags = ArgInt32(info, 2, "flags") | BSDSOCK_SEND_FLAGS;
  return Result(info.Env(), RetryOnEintr(fd, Waits::kToSend, [&] { return send(fd, data.data, data.length, flags); }));
}

Napi::Value Write(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0);
  ByteSpan data = ArgByteRange(info, 1, "buffer");
  return Result(info.Env(), RetryOnEintr(fd, Waits::kToSend, [&] { return write(fd, data.data, data.length); }));
}

// recvfrom(fd, buffer, flags, addressOut, resultOut) -> bytes | -errno, into the whole view
//
// Implemented with recvmsg(): msg_flags says portably whether the datagram was truncated
// (MSG_TRUNC as an input flag to recvfrom is Linux-only). The sender's address is written to
// addressOut (sockaddr_storage bytes) and its length to resultOut[0], msg_flags to resultOut[1],
// so the caller can decode the address only when it changed.
Napi::Value Recvfrom(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0);
  ByteSpan data = ArgBytes(info, 1, "buffer");
  int flags = ArgInt32(info, 2, "flags");
  ByteSpan address_out = ArgBytes(info, 3, "addressOut");
  int32_t* result_out = ArgInt32Array(info, 4, "resultOut", 2);
  if (address_out.length < sizeof(sockaddr_storage)) {
    ThrowRangeError(info.Env(), "ERR_OUT_OF_RANGE", "addressOut is smaller than sockaddr_storage");
  }
  sockaddr_storage from;
  iovec iov{data.data, data.length};
  msghdr message;
  InitMessage(&message, &iov, &from, sizeof from);
  ssize_t received = RetryOnEintr(fd, Waits::kToReceive, [&] { return recvmsg(fd, &message, flags); });
  if (received >= 0) {
    socklen_t length = message.msg_namelen < sizeof from ? message.msg_namelen : sizeof from;
    std::memcpy(address_out.data, &from, length);
    result_out[0] = static_cast<int32_t>(length);
    result_out[1] = message.msg_flags;
  }
  return Result(info.Env(), received);
}

Napi::Value Recv(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0);
  ByteSpan data = ArgBytes(info, 1, "buffer");
  int flags = ArgInt32(info, 2, "flags");
  return Result(info.Env(), RetryOnEintr(fd, Waits::kToReceive, [&] { return recv(fd, data.data, data.length, flags); }));
}

Napi::Value Read(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0);
  ByteSpan data = ArgByteRange(info, 1, "buffer");
  return Result(info.Env(), RetryOnEintr(fd, Waits::kToReceive, [&] { return read(fd, data.data, data.length); }));
}

Napi::Value Getsockname(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0);
  sockaddr_storage storage;
  std::memset(&storage, 0, sizeof storage);
  socklen_t length = sizeof storage;
  int result = getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length);
  return AddressResult(info.Env(), result, storage, length);
}

Napi::Value Getpeername(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0);
  sockaddr_storage storage;
  std::memset(&storage, 0, sizeof storage);
  socklen_t length = sizeof storage;
  int result = getpeername(fd, reinterpret_cast<sockaddr*>(&storage), &length);
  return AddressResult(info.Env(), result, storage, length);
}

}  // namespace bsdsock
