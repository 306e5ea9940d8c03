#include "mmsg.h"

#include <cstring>
#include <vector>

#include <sys/uio.h>

#include "interrupted_call.h"
#include "platform.h"
#include "segment.h"

namespace bsdsock {

void InitMessage(msghdr* message, iovec* iov, void* name, socklen_t name_length) {
  std::memset(message, 0, sizeof *message);
  message->msg_name = name;
  message->msg_namelen = name == nullptr ? 0 : name_length;
  message->msg_iov = iov;
  message->msg_iovlen = 1;
}

namespace {

// The datagrams of a segmented batch, split by hand: each message checked as the kernel would
// (a refused one ends the batch there), then sent as one batch of datagrams.
int SendSplitBatch(int fd, const BatchEntry* entries, size_t count, int flags, BatchScratch& scratch,
                   const uint16_t* segments) {
  scratch.pieces.clear();
  scratch.piece_ends.clear();
  int refused = 0;
  int connected_family = -1;  // asked once, for the messages without an address
  size_t usable = 0;
  for (; usable < count; usable++) {
    const BatchEntry& entry = entries[usable];
    size_t segment = segments[usable];
    if (segment > 0) {
      int family;
      if (entry.address != nullptr) {
        family = DestinationFamily(fd, entry.address, entry.address_length);
      } else {
        if (connected_family < 0) connected_family = DestinationFamily(fd, nullptr, 0);
        family = connected_family;
      }
      refused = CheckSegmentedSend(entry.length, segment, MaxUdpPayload(family));
      if (refused != 0) break;
    }
    if (segment == 0 || entry.length <= segment) {
      scratch.pieces.push_back(entry);
    } else {
      for (size_t offset = 0; offset < entry.length; offset += segment) {
        size_t length = entry.length - offset < segment ? entry.length - offset : segment;
        scratch.pieces.push_back(BatchEntry{entry.data + offset, length, entry.address, entry.address_length});
      }
    }
    scratch.piece_ends.push_back(scratch.pieces.size());
  }
  if (usable == 0 && refused != 0) {
    errno = refused;
    return -1;
  }
  if (scratch.pieces.empty()) return 0;
  int sent = SendBatch(fd, scratch.pieces.data(), scratch.pieces.size(), flags & ~BSDSOCK_SEND_FLAGS, scratch);
  if (sent < 0) return -1;
  size_t whole = 0;
  while (whole < usable && scratch.piece_ends[whole] <= static_cast<size_t>(sent)) whole++;
  if (whole < usable) {
    size_t first = whole == 0 ? 0 : scratch.piece_ends[whole - 1];
    for (size_t p = first; p < static_cast<size_t>(sent); p++) scratch.partial_bytes += scratch.pieces[p].length;
  }
  return static_cast<int>(whole);
}

}  // namespace

int SendBatch(int fd, const BatchEntry* entries, size_t count, int flags, BatchScratch& scratch,
              const uint16_t* segments, bool split) {
  scratch.partial_bytes = 0;
  if (count == 0) return 0;
  flags |= BSDSOCK_SEND_FLAGS;
#ifndef BSDSOCK_HAVE_UDP_GSO
  split = true;  // no UDP_SEGMENT here
#endif
  if (segments != nullptr && split) return SendSplitBatch(fd, entries, count, flags, scratch, segments);
#ifdef BSDSOCK_HAVE_MMSG
  scratch.Reserve(count);
  iovec* iov = scratch.iov.data();
  mmsghdr* messages = scratch.messages.data();
#ifdef BSDSOCK_HAVE_UDP_GSO
  const size_t space = CMSG_SPACE(sizeof(uint16_t));
  const size_t words = (space + sizeof(uint64_t) - 1) / sizeof(uint64_t);
  if (segments != nullptr && scratch.control.size() < count * words) scratch.control.resize(count * words);
#endif
  for (size_t i = 0; i < count; i++) {
    iov[i] = iovec{entries[i].data, entries[i].length};
    messages[i].msg_len = 0;
    InitMessage(&messages[i].msg_hdr, &iov[i], const_cast<sockaddr*>(entries[i].address), entries[i].address_length);
#ifdef BSDSOCK_HAVE_UDP_GSO
    if (segments != nullptr && segments[i] > 0) {
      // The kernel splits this message: a UDP_SEGMENT control message of its own.
      auto* control = reinterpret_cast<uint8_t*>(scratch.control.data() + i * words);
      std::memset(control, 0, space);
      cmsghdr header;
      std::memset(&header, 0, sizeof header);
      header.cmsg_len = CMSG_LEN(sizeof(uint16_t));
      header.cmsg_level = SOL_UDP;
      header.cmsg_type = UDP_SEGMENT;
      std::memcpy(control, &header, sizeof header);
      std::memcpy(control + CMSG_LEN(0), &segments[i], sizeof(uint16_t));
      messages[i].msg_hdr.msg_control = control;
      messages[i].msg_hdr.msg_controllen = space;
    }
#endif
  }
  size_t sent = 0;
  // sendmmsg may stop early without an error (a signal, a full buffer after some went):
  // go on from where it stopped until all went or the next message fails.
  while (sent < count) {
    int result = RetryOnEintr(fd, Waits::kToSend, [&] {
      return sendmmsg(fd, messages + sent, static_cast<unsigned>(count - sent), flags);
    });
    if (result == -1) return sent > 0 ? static_cast<int>(sent) : -1;
    if (result == 0) break;
    sent += static_cast<size_t>(result);
  }
  return static_cast<int>(sent);
#else
  (void)scratch;
  for (size_t i = 0; i < count; i++) {
    iovec iov{entries[i].data, entries[i].length};
    msghdr message;
    InitMessage(&message, &iov, const_cast<sockaddr*>(entries[i].address), entries[i].address_length);
    if (RetryOnEintr(fd, Waits::kToSend, [&] { return sendmsg(fd, &message, flags); }) == -1) {
      return i > 0 ? static_cast<int>(i) : -1;
    }
  }
  return static_cast<int>(count);
#endif
}

int ReceiveBatch(int fd, const BatchEntry* entries, size_t count, int flags, sockaddr_storage* from,
                 BatchReceived* received, BatchScratch& scratch, uint8_t* control, size_t control_size,
                 size_t* control_lengths) {
  if (count == 0) return 0;
  auto with_control = [&](msghdr* message, size_t i) {
    if (control == nullptr) return;
    message->msg_control = control + i * control_size;
    message->msg_controllen = control_size;
  };
#ifdef BSDSOCK_HAVE_MMSG
  scratch.Reserve(count);
  iovec* iov = scratch.iov.data();
  mmsghdr* messages = scratch.messages.data();
  for (size_t i = 0; i < count; i++) {
    iov[i] = iovec{entries[i].data, entries[i].length};
    messages[i].msg_len = 0;
    InitMessage(&messages[i].msg_hdr, &iov[i], &from[i], sizeof from[i]);
    with_control(&messages[i].msg_hdr, i);
  }
  int result = RetryOnEintr(fd, Waits::kToReceive, [&] {
    return recvmmsg(fd, messages, static_cast<unsigned>(count), flags, nullptr);
  });
  for (int i = 0; i < result; i++) {
    received[i].bytes = messages[i].msg_len;
    received[i].flags = messages[i].msg_hdr.msg_flags;
    received[i].from_length = messages[i].msg_hdr.msg_namelen;
    if (control_lengths != nullptr) control_lengths[i] = messages[i].msg_hdr.msg_controllen;
  }
  return result;
#else
  (void)scratch;
  for (size_t i = 0; i < count; i++) {
    iovec iov{entries[i].data, entries[i].length};
    msghdr message;
    InitMessage(&message, &iov, &from[i], sizeof from[i]);
    with_control(&message, i);
    int call_flags = i == 0 ? flags : flags | MSG_DONTWAIT;
    ssize_t result = RetryOnEintr(fd, Waits::kToReceive, [&] { return recvmsg(fd, &message, call_flags); });
    if (result == -1) return i > 0 ? static_cast<int>(i) : -1;
    received[i].bytes = static_cast<size_t>(result);
    received[i].flags = message.msg_flags;
    received[i].from_length = message.msg_namelen;
    if (control_lengths != nullptr) control_lengths[i] = message.msg_controllen;
  }
  return static_cast<int>(count);
#endif
}

}  // namespace bsdsock
