#include "cmsg.h"
#include "platform.h"  // first: the #if below ask it about the platform

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#if defined(BSDSOCK_OS_LINUX)
#include <linux/errqueue.h>
#endif
#ifdef IP_RECVIF
#include <net/if_dl.h>  // BSD: IP_RECVIF delivers a struct sockaddr_dl
#endif

#include "address.h"
#include "args.h"
#include "descriptor.h"

namespace bsdsock {

namespace {

#if defined(BSDSOCK_OS_LINUX)
// Linux labels a received TTL or TOS with the option name (IP_TTL, IP_TOS).
constexpr bool kBsdReceiveTypes = false;
#else
// BSD labels them with the option that asked for them (IP_RECVTTL, IP_RECVTOS).
constexpr bool kBsdReceiveTypes = true;
#endif

// Where the data of a control message starts, relative to its header. CMSG_DATA() is defined
// on a pointer; its offset is CMSG_LEN(0) on every platform (CMSG_ALIGN(sizeof(cmsghdr))).
const size_t kHeaderSpace = CMSG_LEN(0);

// Calls visit(level, type, payload, payload_length) for each message in a received control
// buffer. Only the bytes within `length` are ever read, and headers are copied out, so the
// buffer needs no particular alignment. A message cut short by MSG_CTRUNC is visited with the
// bytes that are there; a malformed header ends the walk.
template <typename Visit>
void ForEachMessage(const uint8_t* data, size_t length, Visit visit) {
  if (data == nullptr) return;
  size_t offset = 0;
  while (offset <= length && length - offset >= sizeof(cmsghdr) && length - offset >= kHeaderSpace) {
    size_t available = length - offset;
    cmsghdr header;
    std::memcpy(&header, data + offset, sizeof header);
    size_t message_length = static_cast<size_t>(header.cmsg_len);
    if (message_length < kHeaderSpace) return;
    size_t end = std::min(message_length, available);
    visit(header.cmsg_level, header.cmsg_type, data + offset + kHeaderSpace, end - kHeaderSpace);
    if (message_length >= available) return;
    size_t step = CMSG_SPACE(message_length - kHeaderSpace);
    if (step >= available) return;
    offset += step;
  }
}

template <typename T>
bool ReadStruct(const uint8_t* payload, size_t length, T* out) {
  if (length < sizeof(T)) return false;
  std::memcpy(out, payload, sizeof(T));
  return true;
}

// An option value the kernel sends as an int on one platform and a byte on another.
bool ReadSmallInteger(const uint8_t* payload, size_t length, int64_t* out) {
  if (length == 1) {
    *out = payload[0];
    return true;
  }
  int value;
  if (length != sizeof value) return false;
  std::memcpy(&value, payload, sizeof value);
  *out = value;
  return true;
}

Napi::String Text(Napi::Env env, int family, const void* address) {
  char text[INET6_ADDRSTRLEN];
  if (inet_ntop(family, address, text, sizeof text) == nullptr) text[0] = '\0';
  return Napi::String::New(env, text);
}

Napi::Object Entry(Napi::Env env, const char* kind) {
  Napi::Object entry = Napi::Object::New(env);
  entry.Set("kind", Napi::String::New(env, kind));
  return entry;
}

Napi::Object Raw(Napi::Env env, int level, int type, const uint8_t* payload, size_t length) {
  Napi::Object entry = Entry(env, "raw");
  entry.Set("level", Napi::Number::New(env, level));
  entry.Set("type", Napi::Number::New(env, type));
  entry.Set("data", Napi::Buffer<uint8_t>::Copy(env, payload, length));
  return entry;
}

Napi::Object Integer(Napi::Env env, const char* kind, const char* field, int64_t value) {
  Napi::Object entry = Entry(env, kind);
  entry.Set(field, Napi::Number::New(env, static_cast<double>(value)));
  return entry;
}

Napi::Object Timestamp(Napi::Env env, int64_t seconds, int64_t nanoseconds) {
  Napi::Object entry = Entry(env, "timestamp");
  entry.Set("ns", Napi::BigInt::New(env, static_cast<int64_t>(seconds * 1000000000LL + nanoseconds)));
  return entry;
}

bool IsTtlType(int type) {
  if (type == IP_TTL) return !kBsdReceiveTypes;
#ifdef IP_RECVTTL
  if (type == IP_RECVTTL) return kBsdReceiveTypes;
#endif
  return false;
}

bool IsTosType(int type) {
  if (type == IP_TOS) return !kBsdReceiveTypes;
#ifdef IP_RECVTOS
  if (type == IP_RECVTOS) return kBsdReceiveTypes;
#endif
  return false;
}

#ifdef SO_EE_ORIGIN_ICMP
// IP_RECVERR / IPV6_RECVERR (Linux): a struct sock_extended_err, then the offender's sockaddr
// (SO_EE_OFFENDER), zeroed (AF_UNSPEC) when the error did not come from another host.
Napi::Value ExtendedError(Napi::Env env, int level, int type, const uint8_t* payload, size_t length) {
  sock_extended_err ee;
  if (!ReadStruct(payload, length, &ee)) return Raw(env, level, type, payload, length);
  Napi::Object entry = Entry(env, "error");
  entry.Set("errno", Napi::Number::New(env, ee.ee_errno));
  entry.Set("origin", Napi::Number::New(env, ee.ee_origin));
  entry.Set("icmpType", Napi::Number::New(env, ee.ee_type));
  entry.Set("icmpCode", Napi::Number::New(env, ee.ee_code));
  entry.Set("info", Napi::Number::New(env, ee.ee_info));
  entry.Set("data", Napi::Number::New(env, ee.ee_data));
  size_t offender_length = length - sizeof ee;
  sockaddr_storage offender;
  std::memset(&offender, 0, sizeof offender);
  std::memcpy(&offender, payload + sizeof ee, std::min(offender_length, sizeof offender));
  bool has_family = offender_length >= offsetof(sockaddr, sa_family) + sizeof(sa_family_t);
  if (has_family && offender.ss_family != AF_UNSPEC) {
    entry.Set("offender", DecodeAddress(env, offender, static_cast<socklen_t>(
                                                           std::min(offender_length, sizeof offender))));
  } else {
    entry.Set("offender", env.Null());
  }
  return entry;
}
#endif

Napi::Value ParseSocketLevel(Napi::Env env, int type, const uint8_t* payload, size_t length) {
  if (type == SCM_RIGHTS) {
    size_t count = length / sizeof(int);
    Napi::Array fds = Napi::Array::New(env, count);
    for (size_t i = 0; i < count; i++) {
      int fd;
      std::memcpy(&fd, payload + i * sizeof fd, sizeof fd);
      fds.Set(static_cast<uint32_t>(i), Napi::Number::New(env, fd));
    }
    Napi::Object entry = Entry(env, "rights");
    entry.Set("fds", fds);
    return entry;
  }
#ifdef SCM_TIMESTAMPNS
  if (type == SCM_TIMESTAMPNS) {
    timespec ts;
    if (ReadStruct(payload, length, &ts)) return Timestamp(env, ts.tv_sec, ts.tv_nsec);
  }
#endif
  if (type == SCM_TIMESTAMP) {
    timeval tv;
    if (ReadStruct(payload, length, &tv)) return Timestamp(env, tv.tv_sec, static_cast<int64_t>(tv.tv_usec) * 1000);
  }
#ifdef SO_RXQ_OVFL
  if (type == SO_RXQ_OVFL) {
    uint32_t dropped;
    if (ReadStruct(payload, length, &dropped)) return Integer(env, "dropped", "count", dropped);
  }
#endif
  return Raw(env, SOL_SOCKET, type, payload, length);
}

Napi::Value ParseIpLevel(Napi::Env env, int type, const uint8_t* payload, size_t length) {
#ifdef IP_PKTINFO
  if (type == IP_PKTINFO) {
    in_pktinfo info;
    if (ReadStruct(payload, length, &info)) {
      Napi::Object entry = Entry(env, "pktinfo");
      entry.Set("family", Napi::String::New(env, "AF_INET"));
      entry.Set("address", Text(env, AF_INET, &info.ipi_addr));
      entry.Set("specDst", Text(env, AF_INET, &info.ipi_spec_dst));
      entry.Set("ifindex", Napi::Number::New(env, static_cast<double>(info.ipi_ifindex)));
      return entry;
    }
  }
#endif
  int64_t value;
  if (IsTtlType(type) && ReadSmallInteger(payload, length, &value)) return Integer(env, "ttl", "ttl", value);
  if (IsTosType(type) && ReadSmallInteger(payload, length, &value)) return Integer(env, "tos", "tos", value);
#if defined(IP_RECVERR) && defined(SO_EE_ORIGIN_ICMP)
  if (type == IP_RECVERR) return ExtendedError(env, IPPROTO_IP, type, payload, length);
#endif
#if defined(IP_RECVDSTADDR) && !defined(BSDSOCK_OS_LINUX)
  if (type == IP_RECVDSTADDR) {
    in_addr address;
    if (ReadStruct(payload, length, &address)) {
      Napi::Object entry = Entry(env, "dstaddr");
      entry.Set("address", Text(env, AF_INET, &address));
      return entry;
    }
  }
#endif
#if defined(IP_RECVIF) && !defined(BSDSOCK_OS_LINUX)
  if (type == IP_RECVIF) {
    sockaddr_dl link;
    // The structure is variable-length; only its fixed head up to sdl_index is needed.
    if (length >= offsetof(sockaddr_dl, sdl_index) + sizeof link.sdl_index) {
      std::memset(&link, 0, sizeof link);
      std::memcpy(&link, payload, std::min(length, sizeof link));
      return Integer(env, "interface", "ifindex", link.sdl_index);
    }
  }
#endif
  return Raw(env, IPPROTO_IP, type, payload, length);
}

Napi::Value ParseIpv6Level(Napi::Env env, int type, const uint8_t* payload, size_t length) {
#ifdef IPV6_PKTINFO
  if (type == IPV6_PKTINFO) {
    in6_pktinfo info;
    if (ReadStruct(payload, length, &info)) {
      Napi::Object entry = Entry(env, "pktinfo");
      entry.Set("family", Napi::String::New(env, "AF_INET6"));
      entry.Set("address", Text(env, AF_INET6, &info.ipi6_addr));
      entry.Set("ifindex", Napi::Number::New(env, static_cast<double>(info.ipi6_ifindex)));
      return entry;
    }
  }
#endif
#ifdef IPV6_HOPLIMIT
  if (type == IPV6_HOPLIMIT) {
    int64_t value;
    if (ReadSmallInteger(payload, length, &value)) return Integer(env, "hopLimit", "hopLimit", value);
  }
#endif
#if defined(IPV6_RECVERR) && defined(SO_EE_ORIGIN_ICMP)
  if (type == IPV6_RECVERR) return ExtendedError(env, IPPROTO_IPV6, type, payload, length);
#endif
  return Raw(env, IPPROTO_IPV6, type, payload, length);
}

/* Encoding: entries from JavaScript, validated again here (lib/msg.ts checked them first). */

std::string Name(uint32_t index, const char* key) {
  return "control[" + std::to_string(index) + "]." + key;
}

int64_t PropInteger(Napi::Env env, Napi::Value value, const std::string& name, int64_t min, int64_t max) {
  if (!value.IsNumber()) {
    ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "The \"" + name + "\" property must be of type number");
  }
  double number = value.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(number) || std::trunc(number) != number || number < static_cast<double>(min) ||
      number > static_cast<double>(max)) {
    ThrowRangeError(env, "ERR_OUT_OF_RANGE",
                    "The value of \"" + name + "\" is out of range. It must be an integer >= " +
                        std::to_string(min) + " and <= " + std::to_string(max));
  }
  return static_cast<int64_t>(number);
}

// An optional string property: false when it is undefined.
bool PropString(Napi::Env env, Napi::Value value, const std::string& name, std::string* out) {
  if (value.IsUndefined()) return false;
  if (!value.IsString()) {
    ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "The \"" + name + "\" property must be of type string");
  }
  *out = value.As<Napi::String>().Utf8Value();
  return true;
}

void ParseIp(Napi::Env env, int family, const std::string& text, const std::string& name, void* out) {
  if (text.find('\0') != std::string::npos || inet_pton(family, text.c_str(), out) != 1) {
    ThrowTypeError(env, "ERR_INVALID_IP_ADDRESS",
                   "Invalid IPv" + std::string(family == AF_INET ? "4" : "6") + " address in \"" + name +
                       "\": '" + text + "'");
  }
}

#if !defined(IP_PKTINFO) || !defined(IPV6_PKTINFO) || !defined(IPV6_HOPLIMIT)
[[noreturn]] void Unavailable(Napi::Env env, const std::string& name, const char* what) {
  ThrowRangeError(env, "ERR_INVALID_ARG_VALUE",
                  "The \"" + name + "\" entry needs " + what + ", which this platform does not have");
}
#endif

int PktinfoFamily(Napi::Env env, Napi::Value value, uint32_t index, const std::string& address) {
  std::string name = Name(index, "family");
  if (value.IsUndefined()) return address.find(':') != std::string::npos ? AF_INET6 : AF_INET;
  if (value.IsString()) {
    std::string family = value.As<Napi::String>().Utf8Value();
    if (family == "AF_INET") return AF_INET;
    if (family == "AF_INET6") return AF_INET6;
  } else if (value.IsNumber()) {
    int64_t family = PropInteger(env, value, name, INT32_MIN, INT32_MAX);
    if (family == AF_INET || family == AF_INET6) return static_cast<int>(family);
  } else {
    ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "The \"" + name + "\" property must be 'AF_INET' or 'AF_INET6'");
  }
  ThrowRangeError(env, "ERR_INVALID_ADDRESS_FAMILY", "The \"" + name + "\" property must be 'AF_INET' or 'AF_INET6'");
}

// { kind: 'pktinfo', family?, address?, specDst?, ifindex? }: the source address (and
// interface) to send from. For IPv4 the kernel takes the source from ipi_spec_dst and ignores
// ipi_addr, so a received entry sent back unchanged answers from the address that was asked.
void AppendPktinfo(Napi::Env env, Napi::Object entry, uint32_t index, ControlBuffer* out) {
  std::string address;
  std::string spec_dst;
  bool has_address = PropString(env, entry.Get("address"), Name(index, "address"), &address);
  bool has_spec_dst = PropString(env, entry.Get("specDst"), Name(index, "specDst"), &spec_dst);
  Napi::Value ifindex_value = entry.Get("ifindex");
  int64_t ifindex = ifindex_value.IsUndefined() ? 0 : PropInteger(env, ifindex_value, Name(index, "ifindex"), 0, INT32_MAX);
  int family = PktinfoFamily(env, entry.Get("family"), index, has_address ? address : spec_dst);
  if (family == AF_INET) {
#ifdef IP_PKTINFO
    in_pktinfo info;
    std::memset(&info, 0, sizeof info);
    info.ipi_ifindex = static_cast<decltype(info.ipi_ifindex)>(ifindex);
    if (has_address) ParseIp(env, AF_INET, address, Name(index, "address"), &info.ipi_addr);
    if (has_spec_dst) {
      ParseIp(env, AF_INET, spec_dst, Name(index, "specDst"), &info.ipi_spec_dst);
    } else {
      info.ipi_spec_dst = info.ipi_addr;
    }
    out->Append(env, IPPROTO_IP, IP_PKTINFO, &info, sizeof info);
#else
    Unavailable(env, Name(index, "kind"), "IP_PKTINFO");
#endif
  } else {
#ifdef IPV6_PKTINFO
    in6_pktinfo info;
    std::memset(&info, 0, sizeof info);
    info.ipi6_ifindex = static_cast<decltype(info.ipi6_ifindex)>(ifindex);
    if (has_address) ParseIp(env, AF_INET6, address, Name(index, "address"), &info.ipi6_addr);
    out->Append(env, IPPROTO_IPV6, IPV6_PKTINFO, &info, sizeof info);
#else
    Unavailable(env, Name(index, "kind"), "IPV6_PKTINFO");
#endif
  }
}

void AppendInt(Napi::Env env, Napi::Object entry, uint32_t index, const char* field, int level, int type,
               ControlBuffer* out) {
  int value = static_cast<int>(PropInteger(env, entry.Get(field), Name(index, field), INT32_MIN, INT32_MAX));
  out->Append(env, level, type, &value, sizeof value);
}

void AppendRights(Napi::Env env, Napi::Object entry, uint32_t index, ControlBuffer* out) {
  std::string name = Name(index, "fds");
  Napi::Value value = entry.Get("fds");
  if (!value.IsArray()) {
    ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "The \"" + name + "\" property must be an array of descriptors");
  }
  Napi::Array list = value.As<Napi::Array>();
  uint32_t count = list.Length();
  if (count > kMaxControlSize / sizeof(int)) {
    ThrowRangeError(env, "ERR_OUT_OF_RANGE", "The \"" + name + "\" array is too long for control data");
  }
  std::vector<int> fds(count);
  for (uint32_t i = 0; i < count; i++) {
    fds[i] = static_cast<int>(PropInteger(env, list.Get(i), name + "[" + std::to_string(i) + "]", 0, INT32_MAX));
  }
  out->Append(env, SOL_SOCKET, SCM_RIGHTS, fds.data(), fds.size() * sizeof(int));
}

void AppendRaw(Napi::Env env, Napi::Object entry, uint32_t index, ControlBuffer* out) {
  int level = static_cast<int>(PropInteger(env, entry.Get("level"), Name(index, "level"), INT32_MIN, INT32_MAX));
  int type = static_cast<int>(PropInteger(env, entry.Get("type"), Name(index, "type"), INT32_MIN, INT32_MAX));
  // Read last and copied at once: nothing runs between taking the pointer and the copy.
  Napi::Value data = entry.Get("data");
  if (!data.IsTypedArray() && !data.IsDataView()) {
    ThrowTypeError(env, "ERR_INVALID_ARG_TYPE",
                   "The \"" + Name(index, "data") + "\" property must be a Buffer, TypedArray or DataView");
  }
  ByteSpan bytes = BytesOf(env, data, "data");
  out->Append(env, level, type, bytes.data, bytes.length);
}

}  // namespace

void ControlBuffer::Reserve(size_t capacity) {
  if (capacity <= capacity_) return;
  size_t grown = std::max(capacity, std::min(capacity_ * 2, kMaxControlSize));
  std::unique_ptr<uint8_t[]> bigger(new uint8_t[grown]);
  if (size_ > 0) std::memcpy(bigger.get(), storage_, size_);
  heap_ = std::move(bigger);
  storage_ = heap_.get();
  capacity_ = grown;
}

void ControlBuffer::Append(Napi::Env env, int level, int type, const void* data, size_t length) {
  if (length > kMaxControlSize || CMSG_SPACE(length) > kMaxControlSize - size_) {
    ThrowRangeError(env, "ERR_OUT_OF_RANGE",
                    "control data is larger than " + std::to_string(kMaxControlSize) + " bytes");
  }
  size_t space = CMSG_SPACE(length);
  Reserve(size_ + space);
  uint8_t* at = storage_ + size_;
  std::memset(at, 0, space);  // the padding goes to the kernel too: never leave it uninitialized
  cmsghdr header;
  std::memset(&header, 0, sizeof header);
  header.cmsg_len = static_cast<decltype(header.cmsg_len)>(CMSG_LEN(length));
  header.cmsg_level = level;
  header.cmsg_type = type;
  std::memcpy(at, &header, sizeof header);
  if (length > 0) std::memcpy(at + kHeaderSpace, data, length);
  size_ += space;
}

void ControlBuffer::AppendBytes(Napi::Env env, const uint8_t* data, size_t length) {
  if (length > kMaxControlSize - size_) {
    ThrowRangeError(env, "ERR_OUT_OF_RANGE",
                    "control data is larger than " + std::to_string(kMaxControlSize) + " bytes");
  }
  if (length == 0) return;
  Reserve(size_ + length);
  std::memcpy(storage_ + size_, data, length);
  size_ += length;
}

void EncodeControlEntries(Napi::Env env, Napi::Value entries, ControlBuffer* out) {
  if (!entries.IsArray()) {
    ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "The \"control\" option must be an array of control messages");
  }
  Napi::Array list = entries.As<Napi::Array>();
  uint32_t count = list.Length();
  for (uint32_t i = 0; i < count; i++) {
    Napi::Value value = list.Get(i);
    if (!value.IsObject()) {
      ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "control[" + std::to_string(i) + "] must be an object");
    }
    Napi::Object entry = value.As<Napi::Object>();
    Napi::Value kind_value = entry.Get("kind");
    if (!kind_value.IsString()) {
      ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "The \"" + Name(i, "kind") + "\" property must be of type string");
    }
    std::string kind = kind_value.As<Napi::String>().Utf8Value();
    if (kind == "raw") {
      AppendRaw(env, entry, i, out);
    } else if (kind == "pktinfo") {
      AppendPktinfo(env, entry, i, out);
    } else if (kind == "ttl") {
      AppendInt(env, entry, i, "ttl", IPPROTO_IP, IP_TTL, out);
    } else if (kind == "tos") {
      AppendInt(env, entry, i, "tos", IPPROTO_IP, IP_TOS, out);
    } else if (kind == "hopLimit") {
#ifdef IPV6_HOPLIMIT
      AppendInt(env, entry, i, "hopLimit", IPPROTO_IPV6, IPV6_HOPLIMIT, out);
#else
      Unavailable(env, Name(i, "kind"), "IPV6_HOPLIMIT");
#endif
    } else if (kind == "rights") {
      AppendRights(env, entry, i, out);
    } else {
      ThrowTypeError(env, "ERR_INVALID_ARG_VALUE",
                     "The \"" + Name(i, "kind") + "\" property '" + kind +
                         "' is not a control message that can be sent (pktinfo, ttl, tos, hopLimit, rights or raw)");
    }
  }
}

#ifdef BSDSOCK_HAVE_UDP_GSO
namespace {
// A UDP_GRO control message: the size of the datagrams a receive coalesced (the last one may be
// shorter), or 0 when this is not one.
int GroSegment(int level, int type, const uint8_t* payload, size_t size) {
  if (level != SOL_UDP || type != UDP_GRO || size != sizeof(int)) return 0;
  int segment;
  std::memcpy(&segment, payload, sizeof segment);
  return segment;
}
}  // namespace
#endif

int GroSegmentSize(const uint8_t* data, size_t length) {
  int segment = 0;
#ifdef BSDSOCK_HAVE_UDP_GSO
  ForEachMessage(data, length, [&](int level, int type, const uint8_t* payload, size_t size) {
    int found = GroSegment(level, type, payload, size);
    if (found > 0) segment = found;
  });
#else
  (void)data;
  (void)length;
#endif
  return segment;
}

Napi::Array ParseControl(Napi::Env env, const uint8_t* data, size_t length) {
  Napi::Array entries = Napi::Array::New(env);
  uint32_t count = 0;
  ForEachMessage(data, length, [&](int level, int type, const uint8_t* payload, size_t size) {
    Napi::Value entry;
    if (level == SOL_SOCKET) {
      entry = ParseSocketLevel(env, type, payload, size);
    } else if (level == IPPROTO_IP) {
      entry = ParseIpLevel(env, type, payload, size);
    } else if (level == IPPROTO_IPV6) {
      entry = ParseIpv6Level(env, type, payload, size);
#ifdef BSDSOCK_HAVE_UDP_GSO
    } else if (level == SOL_UDP && type == UDP_GRO && size == sizeof(int)) {
      entry = Integer(env, "gro", "segmentSize", GroSegment(level, type, payload, size));
#endif
    } else {
      entry = Raw(env, level, type, payload, size);
    }
    entries.Set(count++, entry);
  });
  return entries;
}

void CloseOnExecReceivedDescriptors(const uint8_t* data, size_t length) {
  ForEachMessage(data, length, [](int level, int type, const uint8_t* payload, size_t size) {
    if (level != SOL_SOCKET || type != SCM_RIGHTS) return;
    for (size_t i = 0; i + sizeof(int) <= size; i += sizeof(int)) {
      int fd;
      std::memcpy(&fd, payload + i, sizeof fd);
      SetCloseOnExec(fd);
    }
  });
}

Napi::Value EncodeControlJs(const Napi::CallbackInfo& info) {
  ControlBuffer control;
  EncodeControlEntries(info.Env(), info[0], &control);
  return Napi::Buffer<uint8_t>::Copy(info.Env(), control.data(), control.size());
}

Napi::Value ParseControlJs(const Napi::CallbackInfo& info) {
  ByteSpan bytes = ArgBytes(info, 0, "bytes");
  int64_t length = ArgInteger(info, 1, "length", 0, static_cast<int64_t>(bytes.length));
  return ParseControl(info.Env(), bytes.data, static_cast<size_t>(length));
}

Napi::Value CmsgSpace(const Napi::CallbackInfo& info) {
  int64_t length = ArgInteger(info, 0, "length", 0, static_cast<int64_t>(kMaxControlSize));
  return Napi::Number::New(info.Env(), static_cast<double>(CMSG_SPACE(static_cast<size_t>(length))));
}

Napi::Value CmsgLen(const Napi::CallbackInfo& info) {
  int64_t length = ArgInteger(info, 0, "length", 0, static_cast<int64_t>(kMaxControlSize));
  return Napi::Number::New(info.Env(), static_cast<double>(CMSG_LEN(static_cast<size_t>(length))));
}

}  // namespace bsdsock
