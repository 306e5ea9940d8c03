#include "address.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/un.h>

#include "args.h"
#include "platform.h"

namespace bsdsock {

namespace {

void CheckPort(Napi::Env env, int64_t port) {
  if (port < 0 || port > 65535) {
    ThrowRangeError(env, "ERR_SOCKET_BAD_PORT",
                    "Port should be >= 0 and < 65536. Received " + std::to_string(port) + ".");
  }
}

[[noreturn]] void ThrowBadHost(Napi::Env env, const std::string& host, const char* family) {
  ThrowTypeError(env, "ERR_INVALID_IP_ADDRESS",
                 "Invalid " + std::string(family) + " address: '" + host + "'");
}

// "fe80::1%eth0" or "fe80::1%2": the zone after '%' names an interface or is its index.
uint32_t ParseZone(Napi::Env env, const std::string& zone, const std::string& host) {
  if (zone.empty()) ThrowBadHost(env, host, "IPv6");
  if (zone.find_first_not_of("0123456789") == std::string::npos && zone.size() <= 10) {
    unsigned long index = std::strtoul(zone.c_str(), nullptr, 10);
    if (index <= UINT32_MAX) return static_cast<uint32_t>(index);
  }
  unsigned index = if_nametoindex(zone.c_str());
  if (index == 0) {
    ThrowTypeError(env, "ERR_INVALID_IP_ADDRESS",
                   "Unknown network interface '" + zone + "' in IPv6 address '" + host + "'");
  }
  return index;
}

Napi::Buffer<uint8_t> CopyOut(Napi::Env env, const void* sa, size_t length) {
  return Napi::Buffer<uint8_t>::Copy(env, static_cast<const uint8_t*>(sa), length);
}

Napi::Value EncodeInet(Napi::Env env, const std::string& host, int64_t port) {
  sockaddr_in sin;
  std::memset(&sin, 0, sizeof sin);
#ifdef BSDSOCK_HAVE_SA_LEN
  sin.sin_len = sizeof sin;
#endif
  sin.sin_family = AF_INET;
  sin.sin_port = htons(static_cast<uint16_t>(port));
  if (host.find('\0') != std::string::npos || inet_pton(AF_INET, host.c_str(), &sin.sin_addr) != 1) {
    ThrowBadHost(env, host, "IPv4");
  }
  return CopyOut(env, &sin, sizeof sin);
}

Napi::Value EncodeInet6(Napi::Env env, const std::string& host, int64_t port, uint32_t flowinfo,
                        uint32_t scope_id) {
  sockaddr_in6 sin6;
  std::memset(&sin6, 0, sizeof sin6);
#ifdef BSDSOCK_HAVE_SA_LEN
  sin6.sin6_len = sizeof sin6;
#endif
  sin6.sin6_family = AF_INET6;
  sin6.sin6_port = htons(static_cast<uint16_t>(port));
  sin6.sin6_flowinfo = htonl(flowinfo);
  std::string literal = host;
  size_t percent = host.find('%');
  if (percent != std::string::npos) {
    literal = host.substr(0, percent);
    uint32_t zone = ParseZone(env, host.substr(percent + 1), host);
    if (scope_id == 0) scope_id = zone;
  }
  if (literal.find('\0') != std::string::npos ||
      inet_pton(AF_INET6, literal.c_str(), &sin6.sin6_addr) != 1) {
    ThrowBadHost(env, host, "IPv6");
  }
  sin6.sin6_scope_id = scope_id;
  return CopyOut(env, &sin6, sizeof sin6);
}

Napi::Value EncodeUnix(Napi::Env env, const std::string& path) {
  sockaddr_un un;
  std::memset(&un, 0, sizeof un);
  un.sun_family = AF_UNIX;
  // A path needs its terminating NUL to fit; an abstract name (leading NUL, Linux) is counted
  // by the address length instead and may fill sun_path completely.
  bool abstract_name = !path.empty() && path[0] == '\0';
  size_t limit = abstract_name ? sizeof un.sun_path : sizeof un.sun_path - 1;
  if (path.size() > limit) {
    ThrowRangeError(env, "ERR_OUT_OF_RANGE",
                    "AF_UNIX path is " + std::to_string(path.size()) + " bytes; at most " +
                        std::to_string(limit) + " fit in sun_path");
  }
  if (!abstract_name && path.find('\0') != std::string::npos) {
    ThrowTypeError(env, "ERR_INVALID_ARG_VALUE", "AF_UNIX path must not contain NUL bytes");
  }
  std::memcpy(un.sun_path, path.data(), path.size());
  // An empty path (Linux autobind) is just the family.
  size_t length = offsetof(sockaddr_un, sun_path) + path.size() + (abstract_name || path.empty() ? 0 : 1);
#ifdef BSDSOCK_HAVE_SA_LEN
  un.sun_len = static_cast<uint8_t>(length);
#endif
  return CopyOut(env, &un, length);
}

Napi::Value EncodeUnspec(Napi::Env env) {
  // connect() with this dissolves a UDP association. Linux wants at least the family field;
  // a whole zeroed struct sockaddr satisfies every platform.
  sockaddr sa;
  std::memset(&sa, 0, sizeof sa);
#ifdef BSDSOCK_HAVE_SA_LEN
  sa.sa_len = sizeof sa;
#endif
  sa.sa_family = AF_UNSPEC;
  return CopyOut(env, &sa, sizeof sa);
}

Napi::String FamilyName(Napi::Env env, int family) {
  switch (family) {
    case AF_INET:
      return Napi::String::New(env, "AF_INET");
    case AF_INET6:
      return Napi::String::New(env, "AF_INET6");
    case AF_UNIX:
      return Napi::String::New(env, "AF_UNIX");
    case AF_UNSPEC:
      return Napi::String::New(env, "AF_UNSPEC");
    default:
      return Napi::String::New(env, "AF_UNKNOWN");
  }
}

}  // namespace

Napi::Value EncodeAddress(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int32_t family = ArgInt32(info, 0, "family");
  if (family == AF_UNSPEC) return EncodeUnspec(env);
  std::string host = ArgString(info, 1, family == AF_UNIX ? "path" : "address");
  if (family == AF_UNIX) return EncodeUnix(env, host);
  int64_t port = ArgInteger(info, 2, "port", INT32_MIN, INT32_MAX);
  CheckPort(env, port);
  if (family == AF_INET) return EncodeInet(env, host, port);
  if (family == AF_INET6) {
    uint32_t flowinfo = static_cast<uint32_t>(ArgInteger(info, 3, "flowinfo", 0, UINT32_MAX));
    uint32_t scope_id = static_cast<uint32_t>(ArgInteger(info, 4, "scopeId", 0, UINT32_MAX));
    return EncodeInet6(env, host, port, flowinfo, scope_id);
  }
  ThrowRangeError(env, "ERR_INVALID_ADDRESS_FAMILY",
                  "Unsupported address family " + std::to_string(family));
}

namespace {
// Defined, not assigned: an own data property, so no setter on Object.prototype runs (no
// JavaScript at all), whatever code calls the decoder in the middle of its work.
void Own(Napi::Object out, const char* name, Napi::Value value) {
  out.DefineProperty(Napi::PropertyDescriptor::Value(
      name, value, static_cast<napi_property_attributes>(napi_writable | napi_enumerable | napi_configurable)));
}
}  // namespace

Napi::Object DecodeAddress(Napi::Env env, const sockaddr_storage& storage, socklen_t length) {
  size_t len = std::min<size_t>(length, sizeof storage);
  Napi::Object out = Napi::Object::New(env);
  // A datagram from an unbound AF_UNIX socket comes with no address at all.
  if (len < offsetof(sockaddr, sa_family) + sizeof(sa_family_t)) {
    Own(out, "family", FamilyName(env, AF_UNSPEC));
    return out;
  }
  int family = storage.ss_family;
  Own(out, "family", FamilyName(env, family));
  char text[INET6_ADDRSTRLEN];
  if (family == AF_INET && len >= sizeof(sockaddr_in)) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(&storage);
    inet_ntop(AF_INET, &sin->sin_addr, text, sizeof text);
    Own(out, "address", Napi::String::New(env, text));
    Own(out, "port", Napi::Number::New(env, ntohs(sin->sin_port)));
  } else if (family == AF_INET6 && len >= sizeof(sockaddr_in6)) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&storage);
    inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof text);
    Own(out, "address", Napi::String::New(env, text));
    Own(out, "port", Napi::Number::New(env, ntohs(sin6->sin6_port)));
    Own(out, "flowinfo", Napi::Number::New(env, ntohl(sin6->sin6_flowinfo)));
    Own(out, "scopeId", Napi::Number::New(env, sin6->sin6_scope_id));
  } else if (family == AF_UNIX) {
    const auto* un = reinterpret_cast<const sockaddr_un*>(&storage);
    size_t offset = offsetof(sockaddr_un, sun_path);
    size_t path_length = len > offset ? std::min(len - offset, sizeof un->sun_path) : 0;
    const char* path = un->sun_path;
    if (path_length > 0 && path[0] != '\0') {
      // A filesystem path: up to its NUL (the reported length may include it, or padding).
      path_length = strnlen(path, path_length);
    }
    // An abstract name keeps its leading NUL and every byte the length covers.
    Own(out, "path", Napi::String::New(env, path, path_length));
  } else if (family != AF_UNSPEC) {
    Own(out, "af", Napi::Number::New(env, family));
    Own(out, "bytes", Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<const uint8_t*>(&storage), len));
  }
  return out;
}

Napi::Value DecodeAddressJs(const Napi::CallbackInfo& info) {
  ByteSpan bytes = ArgBytes(info, 0, "bytes");
  int64_t length = ArgInteger(info, 1, "length", 0, static_cast<int64_t>(bytes.length));
  sockaddr_storage storage;
  std::memset(&storage, 0, sizeof storage);
  size_t copy = std::min<size_t>(static_cast<size_t>(length), sizeof storage);
  if (copy > 0) std::memcpy(&storage, bytes.data, copy);
  return DecodeAddress(info.Env(), storage, static_cast<socklen_t>(length));
}

}  // namespace bsdsock
