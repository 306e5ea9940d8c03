// Registration only: every function lives in the file of its concern.
#include "build_config.h"

#include "addon_data.h"
#include "address.h"
#include "platform.h"
#include "cmsg.h"
#include "batch.h"
#include "constants.h"
#include "interfaces.h"
#include "msg.h"
#include "name_lookup.h"
#include "prepared_batch.h"
#include "socket_handle.h"
#include "sockopt.h"
#include "sockopt_struct.h"
#include "multiplex.h"
#include "strerror.h"
#include "syscalls.h"

namespace bsdsock {

namespace {

Napi::Object BuildInfo(Napi::Env env) {
  Napi::Object info = Napi::Object::New(env);
  info.Set("buildSystem", Napi::String::New(env, BSDSOCK_BUILD_SYSTEM));
  info.Set("napiVersion", Napi::Number::New(env, NAPI_VERSION));
#ifdef BSDSOCK_PORTABLE
  info.Set("portable", Napi::Boolean::New(env, true));
#else
  info.Set("portable", Napi::Boolean::New(env, false));
#endif
  return info;
}

// What the trace needs to show each call as the kernel got it (strace's names, the flags bsdsock
// adds): the rules live in platform.h and multiplex.cc, and are read here, not restated.
Napi::Object KernelCalls(Napi::Env env) {
  Napi::Object calls = MultiplexSyscalls(env);
  calls.Set("sendFlags", Napi::Number::New(env, BSDSOCK_SEND_FLAGS));
#ifdef BSDSOCK_HAVE_SOCK_CLOEXEC
  calls.Set("socketTypeFlags", Napi::Number::New(env, SOCK_CLOEXEC));
  calls.Set("accept", Napi::String::New(env, "accept4"));
#else
  calls.Set("socketTypeFlags", Napi::Number::New(env, 0));
  calls.Set("accept", Napi::String::New(env, "accept"));
#endif
#ifdef BSDSOCK_HAVE_MMSG
  calls.Set("mmsg", Napi::Boolean::New(env, true));
#else
  calls.Set("mmsg", Napi::Boolean::New(env, false));  // batches are loops of sendmsg/recvmsg
#endif
#if defined(BSDSOCK_HAVE_SOCK_CLOEXEC) && defined(MSG_CMSG_CLOEXEC)
  calls.Set("recvmsgFlags", Napi::Number::New(env, MSG_CMSG_CLOEXEC));
#else
  calls.Set("recvmsgFlags", Napi::Number::New(env, 0));
#endif
  return calls;
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  AddonData::Install(env);
  exports.Set("buildInfo", BuildInfo(env));
  exports.Set("SocketHandle", SocketHandle::Define(env));
  exports.Set("PreparedBatch", PreparedBatch::Define(env));
  exports.Set("descriptorOwned", Napi::Function::New(env, SocketHandle::DescriptorOwned, "descriptorOwned"));
  exports.Set("constants", Constants(env));
  // Limits both languages need, written once here (lib/batch.ts, lib/msg.ts read them).
  Napi::Object limits = Napi::Object::New(env);
  limits.Set("maxBatch", Napi::Number::New(env, static_cast<double>(kMaxBatch)));
  limits.Set("maxControlSize", Napi::Number::New(env, static_cast<double>(kMaxControlSize)));
  exports.Set("limits", limits);

  exports.Set("encodeAddress", Napi::Function::New(env, EncodeAddress, "encodeAddress"));
  exports.Set("decodeAddress", Napi::Function::New(env, DecodeAddressJs, "decodeAddress"));

  exports.Set("socket", Napi::Function::New(env, Socket, "socket"));
  exports.Set("socketpair", Napi::Function::New(env, Socketpair, "socketpair"));
  exports.Set("close", Napi::Function::New(env, Close, "close"));
  exports.Set("bind", Napi::Function::New(env, Bind, "bind"));
  exports.Set("connect", Napi::Function::New(env, Connect, "connect"));
  exports.Set("listen", Napi::Function::New(env, Listen, "listen"));
  exports.Set("accept", Napi::Function::New(env, Accept, "accept"));
  exports.Set("shutdown", Napi::Function::New(env, Shutdown, "shutdown"));
  exports.Set("sendto", Napi::Function::New(env, Sendto, "sendto"));
  exports.Set("send", Napi::Function::New(env, Send, "send"));
  exports.Set("write", Napi::Function::New(env, Write, "write"));
  exports.Set("recvfrom", Napi::Function::New(env, Recvfrom, "recvfrom"));
  exports.Set("recv", Napi::Function::New(env, Recv, "recv"));
  exports.Set("read", Napi::Function::New(env, Read, "read"));
  exports.Set("getsockname", Napi::Function::New(env, Getsockname, "getsockname"));
  exports.Set("getpeername", Napi::Function::New(env, Getpeername, "getpeername"));
  exports.Set("sendmsg", Napi::Function::New(env, Sendmsg, "sendmsg"));
  exports.Set("recvmsg", Napi::Function::New(env, Recvmsg, "recvmsg"));
  exports.Set("encodeControl", Napi::Function::New(env, EncodeControlJs, "encodeControl"));
  exports.Set("parseControl", Napi::Function::New(env, ParseControlJs, "parseControl"));
  exports.Set("cmsgSpace", Napi::Function::New(env, CmsgSpace, "cmsgSpace"));
  exports.Set("cmsgLen", Napi::Function::New(env, CmsgLen, "cmsgLen"));
  exports.Set("sendmmsg", Napi::Function::New(env, Sendmmsg, "sendmmsg"));
  exports.Set("recvmmsg", Napi::Function::New(env, Recvmmsg, "recvmmsg"));

  exports.Set("setsockopt", Napi::Function::New(env, Setsockopt, "setsockopt"));
  exports.Set("getsockoptInt", Napi::Function::New(env, GetsockoptInt, "getsockoptInt"));
  exports.Set("getsockoptRaw", Napi::Function::New(env, GetsockoptRaw, "getsockoptRaw"));
  exports.Set("setsockoptTimeval", Napi::Function::New(env, SetsockoptTimeval, "setsockoptTimeval"));
  exports.Set("getsockoptTimeval", Napi::Function::New(env, GetsockoptTimeval, "getsockoptTimeval"));
  exports.Set("fcntl", Napi::Function::New(env, Fcntl, "fcntl"));

  exports.Set("isStructOption", Napi::Function::New(env, IsStructOptionJs, "isStructOption"));
  exports.Set("setsockoptStruct", Napi::Function::New(env, SetsockoptStruct, "setsockoptStruct"));
  exports.Set("getsockoptStruct", Napi::Function::New(env, GetsockoptStruct, "getsockoptStruct"));
  exports.Set("ifNametoindex", Napi::Function::New(env, IfNametoindex, "ifNametoindex"));
  exports.Set("ifIndextoname", Napi::Function::New(env, IfIndextoname, "ifIndextoname"));
  exports.Set("ifNameindex", Napi::Function::New(env, IfNameindex, "ifNameindex"));
  exports.Set("getaddrinfo", Napi::Function::New(env, Getaddrinfo, "getaddrinfo"));
  exports.Set("getaddrinfoAsync", Napi::Function::New(env, GetaddrinfoAsync, "getaddrinfoAsync"));
  exports.Set("getnameinfo", Napi::Function::New(env, Getnameinfo, "getnameinfo"));
  exports.Set("getnameinfoAsync", Napi::Function::New(env, GetnameinfoAsync, "getnameinfoAsync"));
  exports.Set("poll", Napi::Function::New(env, Poll, "poll"));
  exports.Set("select", Napi::Function::New(env, Select, "select"));
  exports.Set("wouldWait", Napi::Function::New(env, WouldWait, "wouldWait"));
  exports.Set("kernelCalls", KernelCalls(env));
  exports.Set("strerror", Napi::Function::New(env, Strerror, "strerror"));
  return exports;
}

}  // namespace bsdsock

static Napi::Object InitBsdsock(Napi::Env env, Napi::Object exports) {
  return bsdsock::Init(env, exports);
}

NODE_API_MODULE(bsdsock, InitBsdsock)
