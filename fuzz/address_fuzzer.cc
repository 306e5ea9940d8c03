// libFuzzer target for native/address.cc: the real encoder and decoder, compiled unchanged
// against the stand-in <napi.h> in fuzz/fake/ (no Node.js needed), under ASan and UBSan.
//
// Input: byte 0 chooses the operation, the rest is its argument bytes (see README.md here):
//   0  encodeAddress(family, host/path, port, flowinfo, scopeId), as lib/address.ts calls it
//   1  decodeAddress(bytes, length), as recvfrom's scratch buffer is decoded
//   2  DecodeAddress(storage, length) with any length the kernel could report
// Besides the sanitizers, the target checks the codec's contract and traps when it is broken:
// an encoding has the exact sockaddr layout and decodes back to what was encoded; a refusal
// is a TypeError/RangeError with one of the expected codes; a decoded address is well formed.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "address.h"

namespace {

[[noreturn]] void Broken(const char* what) {
  std::fprintf(stderr, "address codec contract broken: %s\n", what);
  std::abort();
}

void Check(bool ok, const char* what) {
  if (!ok) Broken(what);
}

// Reads fixed-size fields from the front of the input, zeros once it runs out.
struct Reader {
  const uint8_t* data;
  size_t size;
  uint8_t u8() {
    if (size == 0) return 0;
    size--;
    return *data++;
  }
  uint32_t u32() {
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) v = (v << 8) | u8();
    return v;
  }
  std::string rest() {
    std::string s(reinterpret_cast<const char*>(data), size);
    data += size;
    size = 0;
    return s;
  }
};

using Napi::Value;

Value Num(double n) { return Value::MakeNumber(n); }
Value Str(const std::string& s) { return Value::MakeString(s); }

// A port, flowinfo or scope id: mostly in range, sometimes not, sometimes not an integer.
double Integer(uint32_t raw, uint8_t mode) {
  switch (mode % 8) {
    case 0: return -static_cast<double>(raw);
    case 1: return static_cast<double>(raw) + 0.5;
    case 2: return static_cast<double>(raw) * 65536.0;
    default: return static_cast<double>(raw);
  }
}

Value Encode(int family, const std::string& host, double port, double flowinfo, double scope) {
  Napi::CallbackInfo info({Num(family), Str(host), Num(port), Num(flowinfo), Num(scope)});
  return bsdsock::EncodeAddress(info);
}

Value Decode(const std::vector<uint8_t>& bytes, double length) {
  Napi::CallbackInfo info({Value::MakeBytes(bytes.data(), bytes.size()), Num(length)});
  return bsdsock::DecodeAddressJs(info);
}

std::string FieldString(const Value& object, const char* key) {
  Value v = object.Get(key);
  Check(v.IsString(), "a decoded string field is missing");
  return v.string();
}

double FieldNumber(const Value& object, const char* key) {
  Value v = object.Get(key);
  Check(v.IsNumber(), "a decoded number field is missing");
  return v.number();
}

// Every decoded address: a family name, and the fields of that family.
void CheckDecoded(const Value& out, size_t length) {
  Check(out.IsObject(), "decode did not return an object");
  std::string family = FieldString(out, "family");
  if (out.Has("af")) {
    // A family decoded as raw bytes (unknown, or too short for its struct).
    Check(out.Get("bytes").IsBytes(), "raw address without bytes");
    Check(out.Get("bytes").bytes().size() == std::min(length, sizeof(sockaddr_storage)), "raw bytes of the wrong length");
    return;
  }
  if (family == "AF_INET" || family == "AF_INET6") {
    std::string text = FieldString(out, "address");
    uint8_t scratch[16];
    Check(inet_pton(family == "AF_INET" ? AF_INET : AF_INET6, text.c_str(), scratch) == 1,
          "decoded IP address does not parse back");
    double port = FieldNumber(out, "port");
    Check(port >= 0 && port <= 65535, "decoded port out of range");
  } else if (family == "AF_UNIX") {
    std::string path = FieldString(out, "path");
    Check(path.size() <= sizeof(sockaddr_un::sun_path), "decoded path longer than sun_path");
    Check(path.empty() || path[0] == '\0' || path.find('\0') == std::string::npos, "decoded path has a NUL inside");
  } else {
    Check(family == "AF_UNSPEC" || family == "AF_UNKNOWN", "unexpected family name");
  }
}

void CheckRefusal(const FakeJsError& e) {
  static const std::set<std::string> codes = {"ERR_SOCKET_BAD_PORT", "ERR_INVALID_IP_ADDRESS", "ERR_OUT_OF_RANGE",
                                              "ERR_INVALID_ARG_VALUE", "ERR_INVALID_ADDRESS_FAMILY"};
  Check(e.type == "TypeError" || e.type == "RangeError", "refused with an unexpected error type");
  Check(codes.count(e.code) == 1, "refused with an unexpected code");
  Check(!e.message.empty(), "refused without a message");
}

void FuzzEncode(Reader& in) {
  static const int families[] = {AF_INET, AF_INET6, AF_UNIX, AF_UNSPEC};
  uint8_t selector = in.u8();
  int family = selector < 200 ? families[selector % 4] : static_cast<int>(in.u32());
  uint8_t modes = in.u8();
  double port = Integer(in.u32() % 70000, modes);
  double flowinfo = Integer(in.u32(), modes >> 3);
  double scope = Integer(in.u32() % 256, modes >> 5);
  std::string host = in.rest();

  Value encoded;
  try {
    encoded = Encode(family, host, port, flowinfo, scope);
  } catch (const FakeJsError& e) {
    CheckRefusal(e);
    return;
  }
  Check(encoded.IsBytes(), "encode did not return bytes");
  const std::vector<uint8_t>& bytes = encoded.bytes();
  Check(bytes.size() >= offsetof(sockaddr, sa_family) + sizeof(sa_family_t), "encoding shorter than a family");
  Check(bytes.size() <= sizeof(sockaddr_storage), "encoding longer than sockaddr_storage");
  sockaddr_storage ss;
  std::memset(&ss, 0, sizeof ss);
  std::memcpy(&ss, bytes.data(), bytes.size());
  Check(ss.ss_family == family, "encoding of another family");
  bool good_port = port >= 0 && port <= 65535 && std::trunc(port) == port;
  Check(good_port || family == AF_UNIX || family == AF_UNSPEC, "a bad port was accepted");

  Value decoded = Decode(bytes, static_cast<double>(bytes.size()));
  CheckDecoded(decoded, bytes.size());
  if (family == AF_INET) {
    Check(bytes.size() == sizeof(sockaddr_in), "sockaddr_in of the wrong size");
    const auto* sin = reinterpret_cast<const sockaddr_in*>(&ss);
    Check(ntohs(sin->sin_port) == port, "port not in network order");
    in_addr parsed;
    Check(inet_pton(AF_INET, host.c_str(), &parsed) == 1 && parsed.s_addr == sin->sin_addr.s_addr,
          "IPv4 bytes differ from the host text");
    for (unsigned char z : sin->sin_zero) Check(z == 0, "sin_zero not zeroed");
    // Round trip: the decoded text encodes to the same bytes.
    Value again = Encode(AF_INET, FieldString(decoded, "address"), FieldNumber(decoded, "port"), 0, 0);
    Check(again.bytes() == bytes, "IPv4 round trip changed the bytes");
  } else if (family == AF_INET6) {
    Check(bytes.size() == sizeof(sockaddr_in6), "sockaddr_in6 of the wrong size");
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    Check(ntohs(sin6->sin6_port) == port, "IPv6 port not in network order");
    Check(ntohl(sin6->sin6_flowinfo) == flowinfo, "flowinfo not kept");
    if (host.find('%') == std::string::npos) Check(sin6->sin6_scope_id == scope, "scope id not kept");
    else if (scope != 0) Check(sin6->sin6_scope_id == scope, "an explicit scope id lost to the zone");
    Value again = Encode(AF_INET6, FieldString(decoded, "address"), FieldNumber(decoded, "port"),
                         FieldNumber(decoded, "flowinfo"), FieldNumber(decoded, "scopeId"));
    Check(again.bytes() == bytes, "IPv6 round trip changed the bytes");
  } else if (family == AF_UNIX) {
    bool abstract_name = !host.empty() && host[0] == '\0';
    size_t expected = offsetof(sockaddr_un, sun_path) + host.size() + (abstract_name || host.empty() ? 0 : 1);
    Check(bytes.size() == expected, "sockaddr_un of the wrong length");
    Check(FieldString(decoded, "path") == host, "AF_UNIX path does not decode back");
  } else if (family == AF_UNSPEC) {
    Check(bytes.size() == sizeof(sockaddr), "AF_UNSPEC of the wrong size");
    for (size_t i = offsetof(sockaddr, sa_family) + sizeof(sa_family_t); i < bytes.size(); i++) {
      Check(bytes[i] == 0, "AF_UNSPEC not zeroed");
    }
  } else {
    Broken("an unsupported family was encoded");
  }
}

void FuzzDecodeJs(Reader& in) {
  uint8_t mode = in.u8();
  uint32_t raw_length = in.u32();
  std::string rest = in.rest();
  std::vector<uint8_t> bytes(rest.begin(), rest.end());
  double length = mode % 4 == 0 ? static_cast<double>(raw_length) : static_cast<double>(raw_length % (bytes.size() + 1));
  try {
    Value out = Decode(bytes, length);
    Check(length <= bytes.size(), "decode accepted a length past the bytes");
    CheckDecoded(out, static_cast<size_t>(length));
  } catch (const FakeJsError& e) {
    Check(length > bytes.size(), "decode refused a length within the bytes");
    CheckRefusal(e);
  }
}

void FuzzDecodeKernel(Reader& in) {
  // What the kernel fills in: a sockaddr_storage and a length that may exceed it (AF_UNIX).
  uint32_t length = in.u32();
  if (in.u8() & 1) length %= sizeof(sockaddr_storage) + 1;
  std::string rest = in.rest();
  sockaddr_storage storage;
  std::memset(&storage, 0, sizeof storage);
  std::memcpy(&storage, rest.data(), std::min(rest.size(), sizeof storage));
  Value out = bsdsock::DecodeAddress(Napi::Env(), storage, static_cast<socklen_t>(length));
  CheckDecoded(out, length);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Reader in{data, size};
  switch (in.u8() % 3) {
    case 0:
      FuzzEncode(in);
      break;
    case 1:
      FuzzDecodeJs(in);
      break;
    default:
      FuzzDecodeKernel(in);
      break;
  }
  return 0;
}
