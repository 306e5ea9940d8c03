#include "segment.h"

#include <cerrno>
#include <cstddef>
#include <cstring>

#include <netinet/in.h>

#include "interrupted_call.h"

namespace bsdsock {

namespace {

// IP header (20) and UDP header (8) out of 65535; IPv6's payload length excludes its header.
constexpr size_t kMaxUdpPayloadIpv4 = 65535 - 20 - 8;
constexpr size_t kMaxUdpPayloadIpv6 = 65535 - 8;

bool IsV4Mapped(const sockaddr_in6& address) {
  static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(address.sin6_addr.s6_addr, prefix, sizeof prefix) == 0;
}

}  // namespace

size_t MaxUdpPayload(int family) {
  return family == AF_INET6 ? kMaxUdpPayloadIpv6 : kMaxUdpPayloadIpv4;
}

int DestinationFamily(int fd, const sockaddr* address, socklen_t length) {
  sockaddr_storage peer;
  if (address == nullptr) {
    socklen_t peer_length = sizeof peer;
    std::memset(&peer, 0, sizeof peer);
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_length) == -1) return AF_UNSPEC;
    address = reinterpret_cast<const sockaddr*>(&peer);
    length = peer_length;
  }
  if (length < sizeof(sa_family_t) + offsetof(sockaddr, sa_family)) return AF_UNSPEC;
  sa_family_t family;
  std::memcpy(&family, reinterpret_cast<const uint8_t*>(address) + offsetof(sockaddr, sa_family), sizeof family);
  if (family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
    sockaddr_in6 in6;
    std::memcpy(&in6, address, sizeof in6);
    if (IsV4Mapped(in6)) return AF_INET;
  }
  return family;
}

int CheckSegmentedSend(size_t total, size_t segment, size_t max_payload) {
  if (total > max_payload) return EMSGSIZE;
  if (segment > 0 && total > segment * kMaxUdpSegments) return EINVAL;
  return 0;
}

void PlanSegments(const iovec* iov, size_t count, size_t segment, size_t from, SegmentPlan* plan) {
  plan->pieces.clear();
  plan->first.clear();
  plan->lengths.clear();
  size_t total = 0;
  for (size_t i = 0; i < count; i++) total += iov[i].iov_len;
  size_t remaining = total > from ? total - from : 0;
  // Where the next byte comes from: buffer `part`, `offset` bytes in, skipping the first `from`.
  size_t part = 0;
  size_t offset = from;
  while (part < count && offset >= iov[part].iov_len) {
    offset -= iov[part].iov_len;
    part++;
  }
  do {  // at least one datagram: an empty buffer is one empty datagram, as without offload
    size_t length = remaining < segment ? remaining : segment;
    plan->first.push_back(plan->pieces.size());
    plan->lengths.push_back(length);
    size_t wanted = length;
    while (wanted > 0 && part < count) {
      const iovec& source = iov[part];
      size_t take = source.iov_len - offset < wanted ? source.iov_len - offset : wanted;
      if (take > 0) plan->pieces.push_back(iovec{static_cast<uint8_t*>(source.iov_base) + offset, take});
      wanted -= take;
      offset += take;
      if (offset == source.iov_len) {
        part++;
        offset = 0;
      }
    }
    remaining -= length;
  } while (remaining > 0);
  plan->first.push_back(plan->pieces.size());
}

ssize_t SegmentSplitter::Send(int fd, const msghdr& message, size_t segment, size_t from, int flags) {
  if (segment == 0) {
    errno = EINVAL;
    return -1;
  }
  PlanSegments(message.msg_iov, static_cast<size_t>(message.msg_iovlen), segment, from, &plan_);
  size_t count = plan_.lengths.size();
  auto header = [&](size_t i, msghdr* out) {
    *out = message;  // name and control data of the call
    out->msg_iov = plan_.pieces.data() + plan_.first[i];
    out->msg_iovlen = static_cast<decltype(out->msg_iovlen)>(plan_.first[i + 1] - plan_.first[i]);
    out->msg_flags = 0;
    if (out->msg_iovlen == 0) out->msg_iov = nullptr;
  };
  size_t sent = 0;
  size_t bytes = 0;
#ifdef BSDSOCK_HAVE_MMSG
  if (datagrams_.size() < count) datagrams_.resize(count);
  for (size_t i = 0; i < count; i++) {
    header(i, &datagrams_[i].msg_hdr);
    datagrams_[i].msg_len = 0;
  }
  // sendmmsg may stop early without an error: go on until all went or the next one fails.
  while (sent < count) {
    int result = RetryOnEintr(fd, Waits::kToSend, [&] {
      return sendmmsg(fd, datagrams_.data() + sent, static_cast<unsigned>(count - sent), flags);
    });
    if (result == -1) {
      if (sent == 0) return -1;
      break;
    }
    if (result == 0) break;
    for (int i = 0; i < result; i++) bytes += plan_.lengths[sent + static_cast<size_t>(i)];
    sent += static_cast<size_t>(result);
  }
#else
  for (; sent < count; sent++) {
    msghdr one;
    header(sent, &one);
    if (RetryOnEintr(fd, Waits::kToSend, [&] { return sendmsg(fd, &one, flags); }) == -1) {
      if (sent == 0) return -1;
      break;
    }
    bytes += plan_.lengths[sent];
  }
#endif
  return static_cast<ssize_t>(bytes);
}

}  // namespace bsdsock
