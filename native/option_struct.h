// Struct-valued socket options: plain fields <-> the structure the platform's kernel expects.
//
// The one place that knows the layouts of ip_mreq, ip_mreqn, ip_mreq_source, ipv6_mreq,
// group_req, group_source_req and linger. Fields are set by name, so the platforms' different
// orders (Linux ip_mreq_source is { multiaddr, interface, sourceaddr }, macOS's is
// { multiaddr, sourceaddr, interface }) are the compiler's business. No Node-API here: a fuzzer
// or a C test can drive it directly.
#pragma once

#include "platform.h"

#include <cstdint>
#include <string>

#include <netinet/in.h>
#include <sys/socket.h>

namespace bsdsock {

// What the caller gave for one option. Addresses are numeric text; an empty string is absent.
struct OptionStructInput {
  std::string group;              // the multicast group (multiaddr)
  std::string source;             // the source of a source-specific membership or filter
  std::string interface_address;  // an IPv4 interface given by one of its addresses
  uint32_t interface_index = 0;   // an interface given by index (0: the kernel chooses)
  int onoff = 0;                  // SO_LINGER
  int linger = 0;                 // SO_LINGER, seconds
};

enum class OptionStructStatus {
  kOk,
  kNotStructOption,    // (level, name) is not an option this file encodes
  kBadGroup,           // group missing or not a numeric address of the right family
  kBadSource,          // source missing or not of the group's family
  kBadInterface,       // interface address not a numeric IPv4 address
  kIndexUnsupported,   // this option's structure has no interface index on this platform
  kAddressUnsupported, // this option takes an interface index only, not an address
};

// Room for the largest structure encoded here, aligned for any of them.
union OptionStructBytes {
  ip_mreq mreq;
#if defined(BSDSOCK_OS_LINUX)
  ip_mreqn mreqn;
#endif
  ip_mreq_source mreq_source;
  ipv6_mreq mreq6;
  group_req group;
  group_source_req group_source;
  in_addr address;
  linger lingering;
};

// True when (level, name) is a struct-valued option this file encodes.
bool IsStructOption(int level, int name);

// Fills `out` with the option's structure and `length` with its size, or says what is wrong.
OptionStructStatus EncodeOptionStruct(int level, int name, const OptionStructInput& input,
                                      OptionStructBytes* out, socklen_t* length);

// A sentence for a status other than kOk, naming the field at fault.
const char* OptionStructMessage(OptionStructStatus status);

}  // namespace bsdsock
