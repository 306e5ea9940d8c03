#include "option_struct.h"

#include <cstring>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "platform.h"

namespace bsdsock {

namespace {

enum class Kind { kNone, kMembership, kSourceMembership, kIpv6Membership, kGroup, kSourceGroup,
                  kMulticastIf, kLinger };

// Not a switch: option numbers of different levels may coincide, and a platform may alias two
// names to one number.
Kind KindOf(int level, int name) {
  if (level == SOL_SOCKET && name == SO_LINGER) return Kind::kLinger;
  if (level == IPPROTO_IP) {
    if (name == IP_ADD_MEMBERSHIP || name == IP_DROP_MEMBERSHIP) return Kind::kMembership;
    if (name == IP_MULTICAST_IF) return Kind::kMulticastIf;
#ifdef IP_ADD_SOURCE_MEMBERSHIP
    if (name == IP_ADD_SOURCE_MEMBERSHIP || name == IP_DROP_SOURCE_MEMBERSHIP ||
        name == IP_BLOCK_SOURCE || name == IP_UNBLOCK_SOURCE) {
      return Kind::kSourceMembership;
    }
#endif
  }
  if (level == IPPROTO_IPV6 && (name == IPV6_JOIN_GROUP || name == IPV6_LEAVE_GROUP)) {
    return Kind::kIpv6Membership;
  }
#ifdef MCAST_JOIN_GROUP
  if (level == IPPROTO_IP || level == IPPROTO_IPV6) {
    if (name == MCAST_JOIN_GROUP || name == MCAST_LEAVE_GROUP) return Kind::kGroup;
    if (name == MCAST_JOIN_SOURCE_GROUP || name == MCAST_LEAVE_SOURCE_GROUP ||
        name == MCAST_BLOCK_SOURCE || name == MCAST_UNBLOCK_SOURCE) {
      return Kind::kSourceGroup;
    }
  }
#endif
  return Kind::kNone;
}

bool ParseInet(const std::string& text, in_addr* out) {
  return text.find('\0') == std::string::npos && inet_pton(AF_INET, text.c_str(), out) == 1;
}

bool ParseInet6(const std::string& text, in6_addr* out) {
  return text.find('\0') == std::string::npos && inet_pton(AF_INET6, text.c_str(), out) == 1;
}

// A numeric address of either family as a sockaddr (group_req and group_source_req hold
// sockaddr_storage). Returns the family, or AF_UNSPEC when `text` is neither.
int ParseSockaddr(const std::string& text, sockaddr_storage* out) {
  std::memset(out, 0, sizeof *out);
  auto* sin = reinterpret_cast<sockaddr_in*>(out);
  if (ParseInet(text, &sin->sin_addr)) {
    sin->sin_family = AF_INET;
#ifdef BSDSOCK_HAVE_SA_LEN
    sin->sin_len = sizeof *sin;
#endif
    return AF_INET;
  }
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(out);
  if (ParseInet6(text, &sin6->sin6_addr)) {
    sin6->sin6_family = AF_INET6;
#ifdef BSDSOCK_HAVE_SA_LEN
    sin6->sin6_len = sizeof *sin6;
#endif
    return AF_INET6;
  }
  return AF_UNSPEC;
}

// The IPv4 interface address, INADDR_ANY when none is given.
bool InterfaceAddress(const OptionStructInput& input, in_addr* out) {
  if (input.interface_address.empty()) {
    out->s_addr = htonl(INADDR_ANY);
    return true;
  }
  return ParseInet(input.interface_address, out);
}

OptionStructStatus EncodeMembership(const OptionStructInput& input, OptionStructBytes* out,
                                    socklen_t* length) {
  in_addr group;
  if (!ParseInet(input.group, &group)) return OptionStructStatus::kBadGroup;
  if (input.interface_index != 0) {
    if (!input.interface_address.empty()) return OptionStructStatus::kBadInterface;
#if defined(BSDSOCK_OS_LINUX)
    // ip_mreqn names the interface by index; Linux tells the two structures apart by size.
    out->mreqn.imr_multiaddr = group;
    out->mreqn.imr_address.s_addr = htonl(INADDR_ANY);
    out->mreqn.imr_ifindex = static_cast<int>(input.interface_index);
    *length = sizeof out->mreqn;
    return OptionStructStatus::kOk;
#else
    return OptionStructStatus::kIndexUnsupported;
#endif
  }
  out->mreq.imr_multiaddr = group;
  if (!InterfaceAddress(input, &out->mreq.imr_interface)) return OptionStructStatus::kBadInterface;
  *length = sizeof out->mreq;
  return OptionStructStatus::kOk;
}

OptionStructStatus EncodeSourceMembership(const OptionStructInput& input, OptionStructBytes* out,
                                          socklen_t* length) {
  // ip_mreq_source has no index field on any platform: MCAST_JOIN_SOURCE_GROUP has.
  if (input.interface_index != 0) return OptionStructStatus::kIndexUnsupported;
  if (!ParseInet(input.group, &out->mreq_source.imr_multiaddr)) return OptionStructStatus::kBadGroup;
  if (!ParseInet(input.source, &out->mreq_source.imr_sourceaddr)) return OptionStructStatus::kBadSource;
  if (!InterfaceAddress(input, &out->mreq_source.imr_interface)) {
    return OptionStructStatus::kBadInterface;
  }
  *length = sizeof out->mreq_source;
  return OptionStructStatus::kOk;
}

OptionStructStatus EncodeIpv6Membership(const OptionStructInput& input, OptionStructBytes* out,
                                        socklen_t* length) {
  if (!input.interface_address.empty()) return OptionStructStatus::kAddressUnsupported;
  if (!ParseInet6(input.group, &out->mreq6.ipv6mr_multiaddr)) return OptionStructStatus::kBadGroup;
  out->mreq6.ipv6mr_interface = input.interface_index;
  *length = sizeof out->mreq6;
  return OptionStructStatus::kOk;
}

OptionStructStatus EncodeGroup(const OptionStructInput& input, bool with_source,
                               OptionStructBytes* out, socklen_t* length) {
  if (!input.interface_address.empty()) return OptionStructStatus::kAddressUnsupported;
  if (!with_source) {
    if (ParseSockaddr(input.group, &out->group.gr_group) == AF_UNSPEC) return OptionStructStatus::kBadGroup;
    out->group.gr_interface = input.interface_index;
    *length = sizeof out->group;
    return OptionStructStatus::kOk;
  }
  int family = ParseSockaddr(input.group, &out->group_source.gsr_group);
  if (family == AF_UNSPEC) return OptionStructStatus::kBadGroup;
  if (ParseSockaddr(input.source, &out->group_source.gsr_source) != family) {
    return OptionStructStatus::kBadSource;
  }
  out->group_source.gsr_interface = input.interface_index;
  *length = sizeof out->group_source;
  return OptionStructStatus::kOk;
}

OptionStructStatus EncodeMulticastIf(const OptionStructInput& input, OptionStructBytes* out,
                                     socklen_t* length) {
  if (input.interface_index != 0) {
    if (!input.interface_address.empty()) return OptionStructStatus::kBadInterface;
#if defined(BSDSOCK_OS_LINUX)
    out->mreqn.imr_multiaddr.s_addr = htonl(INADDR_ANY);
    out->mreqn.imr_address.s_addr = htonl(INADDR_ANY);
    out->mreqn.imr_ifindex = static_cast<int>(input.interface_index);
    *length = sizeof out->mreqn;
    return OptionStructStatus::kOk;
#else
    return OptionStructStatus::kIndexUnsupported;  // macOS: IP_MULTICAST_IFINDEX takes the index
#endif
  }
  if (!InterfaceAddress(input, &out->address)) return OptionStructStatus::kBadInterface;
  *length = sizeof out->address;
  return OptionStructStatus::kOk;
}

}  // namespace

bool IsStructOption(int level, int name) { return KindOf(level, name) != Kind::kNone; }

OptionStructStatus EncodeOptionStruct(int level, int name, const OptionStructInput& input,
                                      OptionStructBytes* out, socklen_t* length) {
  std::memset(out, 0, sizeof *out);
  *length = 0;
  switch (KindOf(level, name)) {
    case Kind::kMembership:
      return EncodeMembership(input, out, length);
    case Kind::kSourceMembership:
      return EncodeSourceMembership(input, out, length);
    case Kind::kIpv6Membership:
      return EncodeIpv6Membership(input, out, length);
    case Kind::kGroup:
      return EncodeGroup(input, false, out, length);
    case Kind::kSourceGroup:
      return EncodeGroup(input, true, out, length);
    case Kind::kMulticastIf:
      return EncodeMulticastIf(input, out, length);
    case Kind::kLinger:
      out->lingering.l_onoff = input.onoff;
      out->lingering.l_linger = input.linger;
      *length = sizeof out->lingering;
      return OptionStructStatus::kOk;
    case Kind::kNone:
      break;
  }
  return OptionStructStatus::kNotStructOption;
}

const char* OptionStructMessage(OptionStructStatus status) {
  switch (status) {
    case OptionStructStatus::kOk:
      return "ok";
    case OptionStructStatus::kNotStructOption:
      return "this option does not take an object value";
    case OptionStructStatus::kBadGroup:
      return "multiaddr must be a numeric address of the option's family";
    case OptionStructStatus::kBadSource:
      return "sourceaddr must be a numeric address of the group's family";
    case OptionStructStatus::kBadInterface:
      return "interface must be an IPv4 address or an interface index, not both";
    case OptionStructStatus::kIndexUnsupported:
      return "this option's structure has no interface index on this platform "
             "(use MCAST_JOIN_GROUP / MCAST_JOIN_SOURCE_GROUP, or IP_MULTICAST_IFINDEX)";
    case OptionStructStatus::kAddressUnsupported:
      return "this option takes an interface index or name, not an address";
  }
  return "unknown status";
}

}  // namespace bsdsock
