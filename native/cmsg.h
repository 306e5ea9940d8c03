// Ancillary data (control messages): JavaScript entries <-> the cmsghdr chain of a msghdr.
//
// As address.h does for sockaddrs, this is the one place that knows the layout of the
// structures the kernel puts in control data (in_pktinfo, in6_pktinfo, timespec,
// sock_extended_err, ...). JavaScript sees entries named by what they mean
// ({ kind: 'pktinfo', address, ifindex }, { kind: 'timestamp', ns }, ...) and anything this
// file does not parse as { kind: 'raw', level, type, data }.
#pragma once

#include "build_config.h"

#include <cstddef>
#include <cstdint>
#include <memory>

namespace bsdsock {

// The largest control buffer bsdsock builds for sendmsg() or receives into with recvmsg().
// Real ancillary data is tens of bytes; the cap keeps a typo from reserving gigabytes.
constexpr size_t kMaxControlSize = 65536;

// Control data being built for sendmsg(): entries are appended with their cmsghdr, padded as
// CMSG_SPACE() says. Small control data (the usual pktinfo or TTL) stays in inline storage.
class ControlBuffer {
 public:
  ControlBuffer() = default;
  ControlBuffer(const ControlBuffer&) = delete;
  ControlBuffer& operator=(const ControlBuffer&) = delete;

  // Appends one message. Throws a RangeError when the total would exceed kMaxControlSize.
  void Append(Napi::Env env, int level, int type, const void* data, size_t length);

  // Appends control data already encoded (whole cmsghdr entries, each CMSG_SPACE() long).
  void AppendBytes(Napi::Env env, const uint8_t* data, size_t length);

  uint8_t* data() { return size_ == 0 ? nullptr : storage_; }
  size_t size() const { return size_; }

 private:
  void Reserve(size_t capacity);

  // Aligned for struct cmsghdr: the kernel does not mind, but our own writes stay tidy.
  alignas(std::max_align_t) uint8_t inline_[256];
  std::unique_ptr<uint8_t[]> heap_;
  uint8_t* storage_ = inline_;
  size_t capacity_ = sizeof inline_;
  size_t size_ = 0;
};

// Encodes an array of control entries ({ kind: 'pktinfo' | 'ttl' | 'hopLimit' | 'tos' |
// 'rights' | 'raw', ... }) into `out`. Each entry's bytes are copied as soon as they are read,
// so a getter that runs JavaScript cannot leave a dangling pointer behind. Bad entries throw a
// TypeError/RangeError with a code.
void EncodeControlEntries(Napi::Env env, Napi::Value entries, ControlBuffer* out);

// The entries of the control data the kernel returned: `length` is msg_controllen. Every length
// is checked: an entry cut short by MSG_CTRUNC, or of an unexpected size, comes back raw.
Napi::Array ParseControl(Napi::Env env, const uint8_t* data, size_t length);

// The segment size of a UDP_GRO control message among these (a coalesced receive), or 0.
int GroSegmentSize(const uint8_t* data, size_t length);

// Where recvmsg() could not ask for MSG_CMSG_CLOEXEC, sets close-on-exec on the descriptors
// an SCM_RIGHTS message brought in (best effort, as accept() does on BSD).
void CloseOnExecReceivedDescriptors(const uint8_t* data, size_t length);

// encodeControl(entries) -> Buffer: control data encoded once, for repeated sendmsg() calls.
Napi::Value EncodeControlJs(const Napi::CallbackInfo& info);
// parseControl(bytes, length) -> entries.
Napi::Value ParseControlJs(const Napi::CallbackInfo& info);
// cmsgSpace(n) / cmsgLen(n): CMSG_SPACE() and CMSG_LEN() of this platform.
Napi::Value CmsgSpace(const Napi::CallbackInfo& info);
Napi::Value CmsgLen(const Napi::CallbackInfo& info);

}  // namespace bsdsock
