// libFuzzer target for native/option_struct.cc: the structures of the struct-valued socket
// options, built from arbitrary fields. The file has no Node-API at all, so it is compiled
// unchanged and driven directly, under ASan and UBSan.
//
// Input: byte 0 chooses the option (a table of every (level, name) the file encodes, and some
// it does not), bytes 1-4 the interface index (big-endian), byte 5 and 6 onoff and linger, and
// the rest three NUL-separated strings: group, source, interface address.
// Besides the sanitizers, the target traps when the contract breaks: a success has the exact
// size of its structure and holds the addresses inet_pton makes of the text; a refusal leaves
// the length 0 and has a message.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "option_struct.h"

namespace {

[[noreturn]] void Broken(const char* what) {
  std::fprintf(stderr, "option struct contract broken: %s\n", what);
  std::abort();
}

void Check(bool ok, const char* what) {
  if (!ok) Broken(what);
}

struct Option {
  int level;
  int name;
  size_t size;  // the structure's size when the interface is given by address (or not at all)
};

const Option kOptions[] = {
    {IPPROTO_IP, IP_ADD_MEMBERSHIP, sizeof(ip_mreq)},
    {IPPROTO_IP, IP_DROP_MEMBERSHIP, sizeof(ip_mreq)},
    {IPPROTO_IP, IP_ADD_SOURCE_MEMBERSHIP, sizeof(ip_mreq_source)},
    {IPPROTO_IP, IP_BLOCK_SOURCE, sizeof(ip_mreq_source)},
    {IPPROTO_IPV6, IPV6_JOIN_GROUP, sizeof(ipv6_mreq)},
    {IPPROTO_IP, MCAST_JOIN_GROUP, sizeof(group_req)},
    {IPPROTO_IPV6, MCAST_LEAVE_GROUP, sizeof(group_req)},
    {IPPROTO_IP, MCAST_JOIN_SOURCE_GROUP, sizeof(group_source_req)},
    {IPPROTO_IPV6, MCAST_BLOCK_SOURCE, sizeof(group_source_req)},
    {IPPROTO_IP, IP_MULTICAST_IF, sizeof(in_addr)},
    {SOL_SOCKET, SO_LINGER, sizeof(linger)},
    {SOL_SOCKET, SO_RCVBUF, 0},  // not a struct option
    {IPPROTO_IPV6, IPV6_MULTICAST_IF, 0},
};

std::string Next(const uint8_t*& data, size_t& size) {
  const void* end = std::memchr(data, 0, size);
  size_t length = end ? static_cast<size_t>(static_cast<const uint8_t*>(end) - data) : size;
  std::string text(reinterpret_cast<const char*>(data), length);
  size_t used = end ? length + 1 : length;
  data += used;
  size -= used;
  return text;
}

bool SameInet(const in_addr& got, const std::string& text) {
  in_addr want;
  return inet_pton(AF_INET, text.c_str(), &want) == 1 && std::memcmp(&got, &want, sizeof want) == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 7) return 0;
  const Option& option = kOptions[data[0] % (sizeof kOptions / sizeof kOptions[0])];
  bsdsock::OptionStructInput input;
  input.interface_index = (uint32_t{data[1]} << 24) | (uint32_t{data[2]} << 16) | (uint32_t{data[3]} << 8) | data[4];
  if (data[1] & 0x80) input.interface_index = 0;  // often no index at all
  input.onoff = data[5];
  input.linger = data[6];
  data += 7;
  size -= 7;
  input.group = Next(data, size);
  input.source = Next(data, size);
  input.interface_address = Next(data, size);

  bsdsock::OptionStructBytes bytes;
  socklen_t length = 12345;
  bsdsock::OptionStructStatus status = bsdsock::EncodeOptionStruct(option.level, option.name, input, &bytes, &length);
  Check(bsdsock::OptionStructMessage(status) != nullptr, "a status without a message");
  Check(bsdsock::IsStructOption(option.level, option.name) == (option.size != 0), "IsStructOption disagrees with the table");
  if (status != bsdsock::OptionStructStatus::kOk) {
    Check(length == 0, "a refusal with a length");
    return 0;
  }
  Check(option.size != 0, "a non-struct option encoded");
  Check(length > 0 && length <= sizeof bytes, "a length outside the storage");
  if (option.name == SO_LINGER && option.level == SOL_SOCKET) {
    Check(length == sizeof(linger) && bytes.lingering.l_onoff == input.onoff && bytes.lingering.l_linger == input.linger, "linger");
  } else if (option.level == IPPROTO_IP && (option.name == IP_ADD_MEMBERSHIP || option.name == IP_DROP_MEMBERSHIP)) {
    Check(SameInet(bytes.mreq.imr_multiaddr, input.group), "ip_mreq group");
    if (input.interface_index == 0) {
      Check(length == sizeof(ip_mreq), "ip_mreq size");
      if (!input.interface_address.empty()) Check(SameInet(bytes.mreq.imr_interface, input.interface_address), "ip_mreq interface");
    }
  } else if (option.level == IPPROTO_IP && (option.name == IP_ADD_SOURCE_MEMBERSHIP || option.name == IP_BLOCK_SOURCE)) {
    Check(length == sizeof(ip_mreq_source), "ip_mreq_source size");
    Check(SameInet(bytes.mreq_source.imr_multiaddr, input.group), "ip_mreq_source group");
    Check(SameInet(bytes.mreq_source.imr_sourceaddr, input.source), "ip_mreq_source source");
  } else if (option.name == IPV6_JOIN_GROUP && option.level == IPPROTO_IPV6) {
    Check(length == sizeof(ipv6_mreq) && bytes.mreq6.ipv6mr_interface == input.interface_index, "ipv6_mreq");
  } else if (option.name == MCAST_JOIN_GROUP || option.name == MCAST_LEAVE_GROUP) {
    Check(length == sizeof(group_req) && bytes.group.gr_interface == input.interface_index, "group_req");
    int family = bytes.group.gr_group.ss_family;
    Check(family == AF_INET || family == AF_INET6, "group_req family");
  } else if (option.name == MCAST_JOIN_SOURCE_GROUP || option.name == MCAST_BLOCK_SOURCE) {
    Check(length == sizeof(group_source_req), "group_source_req size");
    Check(bytes.group_source.gsr_group.ss_family == bytes.group_source.gsr_source.ss_family, "group_source_req families");
  } else if (option.name == IP_MULTICAST_IF && option.level == IPPROTO_IP && input.interface_index == 0) {
    Check(length == sizeof(in_addr), "IP_MULTICAST_IF size");
  }
  return 0;
}
