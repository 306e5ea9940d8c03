#include "msg.h"

#include <cstring>
#include <string>

#include <sys/socket.h>
#include <sys/uio.h>

#include "args.h"
#include "cmsg.h"
#include "platform.h"
#include "segment.h"
#include "interrupted_call.h"
#include "js_result.h"

namespace bsdsock {

namespace {

// The buffers of one call as iovecs.
//
// Reading an element of a JavaScript array may run JavaScript (an accessor), which could detach
// or shrink a buffer read before it, leaving the kernel a pointer into freed memory. Verify()
// therefore reads every view again once no JavaScript can run before the syscall, and refuses
// the call if any of them changed.
class IoVectors {
 public:
  void Collect(const Napi::CallbackInfo& info, size_t index) {
    Napi::Env env = info.Env();
    Napi::Value value = info[index];
    if (!value.IsArray()) {
      ThrowTypeError(env, "ERR_INVALID_ARG_TYPE",
                     "The \"buffers\" argument must be an array of Buffer, TypedArray or DataView");
    }
    Napi::Array list = value.As<Napi::Array>();
    uint32_t length = list.Length();
    if (length > kMaxIov) {
      ThrowRangeError(env, "ERR_OUT_OF_RANGE",
                      "The \"buffers\" array has " + std::to_string(length) + " buffers; at most IOV_MAX (" +
                          std::to_string(kMaxIov) + ") fit in one call");
    }
    for (uint32_t i = 0; i < length; i++) {
      Napi::Value view = list.Get(i);
      if (!view.IsTypedArray() && !view.IsDataView()) {
        ThrowTypeError(env, "ERR_INVALID_ARG_TYPE",
                       "buffers[" + std::to_string(i) + "] must be a Buffer, TypedArray or DataView");
      }
      ByteSpan span = BytesOf(env, view, "buffers");
      views_[i] = view;
      iov_[i].iov_base = span.data;
      iov_[i].iov_len = span.length;
    }
    count_ = length;
  }

  void Verify(Napi::Env env) const {
    for (size_t i = 0; i < count_; i++) {
      ByteSpan span = BytesOf(env, Napi::Value(env, views_[i]), "buffers");
      if (span.data != iov_[i].iov_base || span.length != iov_[i].iov_len) {
        ThrowTypeError(env, "ERR_INVALID_STATE",
                       "buffers[" + std::to_string(i) + "] was detached or resized while the array was read");
      }
    }
  }

  iovec* data() { return count_ == 0 ? nullptr : iov_; }
  size_t count() const { return count_; }

 private:
  iovec iov_[kMaxIov];
  napi_value views_[kMaxIov];
  size_t count_ = 0;
};

bool IsAbsent(Napi::Value value) { return value.IsNull() || value.IsUndefined(); }

}  // namespace

Napi::Value Sendmsg(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0);
  int flags = ArgInt32(info, 2, "flags") | BSDSOCK_SEND_FLAGS;
  // UDP segmentation: 0 for none. `split_from` < 0 asks the kernel (UDP_SEGMENT); from byte
  // `split_from` on, this call splits the datagrams itself (segment.h).
  size_t segment = info[5].IsUndefined() ? 0 : static_cast<size_t>(ArgInteger(info, 5, "segmentSize", 0, kMaxSegmentSize));
  int64_t split_from = info[6].IsUndefined() ? -1 : ArgInteger(info, 6, "splitFrom", -1, INT32_MAX);
#ifndef BSDSOCK_HAVE_UDP_GSO
  if (segment > 0 && split_from < 0) split_from = 0;  // no UDP_SEGMENT here: always split
#endif
  bool kernel_segments = segment > 0 && split_from < 0;
  // Control entries first: their getters run here, and each entry's bytes are copied at once.
  ControlBuffer entries;
  Napi::Value control = info[4];
  bool control_is_bytes = control.IsTypedArray() || control.IsDataView();
  if (control.IsArray()) {
    EncodeControlEntries(env, control, &entries);
  } else if (!control_is_bytes && !IsAbsent(control)) {
    ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "The \"control\" argument must be encoded control data or an array");
  }
  IoVectors iov;
  iov.Collect(info, 1);
  // From here on nothing runs JavaScript.
  SockaddrArg address;
  bool has_address = !IsAbsent(info[3]);
  if (has_address) ArgSockaddr(info, 3, &address);
  ByteSpan control_bytes{entries.data(), entries.size()};
  if (control_is_bytes) {
    control_bytes = BytesOf(env, control, "control");
    if (control_bytes.length > kMaxControlSize) {
      ThrowRangeError(env, "ERR_OUT_OF_RANGE",
                      "control data is larger than " + std::to_string(kMaxControlSize) + " bytes");
    }
  }
  iov.Verify(env);
#ifdef BSDSOCK_HAVE_UDP_GSO
  if (kernel_segments) {
    // The kernel splits: the segment size goes last in the control data, as a uint16_t.
    if (control_is_bytes) entries.AppendBytes(env, control_bytes.data, control_bytes.length);
    uint16_t size = static_cast<uint16_t>(segment);
    entries.Append(env, SOL_UDP, UDP_SEGMENT, &size, sizeof size);
    control_bytes = ByteSpan{entries.data(), entries.size()};
  }
#else
  (void)kernel_segments;
#endif

  msghdr message;
  std::memset(&message, 0, sizeof message);
  if (has_address) {
    message.msg_name = &address.storage;
    message.msg_namelen = address.length;
  }
  message.msg_iov = iov.data();
  message.msg_iovlen = static_cast<decltype(message.msg_iovlen)>(iov.count());
  if (control_bytes.length > 0) {
    message.msg_control = control_bytes.data;
    message.msg_controllen = static_cast<decltype(message.msg_controllen)>(control_bytes.length);
  }
  if (segment > 0 && split_from >= 0) {
    // The same limits as the kernel's, checked on the whole, so that the same input fails the
    // same way with and without offload.
    size_t total = 0;
    for (size_t i = 0; i < iov.count(); i++) total += iov.data()[i].iov_len;
    int family = DestinationFamily(fd, has_address ? address.get() : nullptr, has_address ? address.length : 0);
    int refused = CheckSegmentedSend(total, segment, MaxUdpPayload(family));
    if (refused != 0) return Failure(env, refused);
    SegmentSplitter splitter;
    return Result(env, splitter.Send(fd, message, segment, static_cast<size_t>(split_from), flags));
  }
  return Result(env, RetryOnEintr(fd, Waits::kToSend, [&] { return sendmsg(fd, &message, flags); }));
}

Napi::Value Recvmsg(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0);
  IoVectors iov;
  iov.Collect(info, 1);
  // From here on nothing runs JavaScript.
  int flags = ArgInt32(info, 2, "flags");
  ByteSpan address_out = ArgBytes(info, 3, "addressOut");
  if (address_out.length < sizeof(sockaddr_storage)) {
    ThrowRangeError(env, "ERR_OUT_OF_RANGE", "addressOut is smaller than sockaddr_storage");
  }
  int32_t* result_out = ArgInt32Array(info, 4, "resultOut", 3);
  ByteSpan control = ArgByteRange(info, 5, "control");
  if (control.length > kMaxControlSize) {
    ThrowRangeError(env, "ERR_OUT_OF_RANGE",
                    "The control buffer is larger than " + std::to_string(kMaxControlSize) + " bytes");
  }
  iov.Verify(env);

  int added_flags = 0;
#if defined(BSDSOCK_HAVE_SOCK_CLOEXEC) && defined(MSG_CMSG_CLOEXEC)
  // Descriptors passed in SCM_RIGHTS arrive close-on-exec atomically, as socket() makes them.
  added_flags = MSG_CMSG_CLOEXEC & ~flags;
#endif
  sockaddr_storage from;
  std::memset(&from, 0, sizeof from);
  msghdr message;
  std::memset(&message, 0, sizeof message);
  message.msg_name = &from;
  message.msg_namelen = sizeof from;
  message.msg_iov = iov.data();
  message.msg_iovlen = static_cast<decltype(message.msg_iovlen)>(iov.count());
  if (control.length > 0) {
    message.msg_control = control.data;
    message.msg_controllen = static_cast<decltype(message.msg_controllen)>(control.length);
  }
  ssize_t received = RetryOnEintr(fd, Waits::kToReceive, [&] { return recvmsg(fd, &message, flags | added_flags); });
  if (received >= 0) {
    size_t control_length = control.length > 0 ? static_cast<size_t>(message.msg_controllen) : 0;
    if (control_length > control.length) control_length = control.length;
#if !(defined(BSDSOCK_HAVE_SOCK_CLOEXEC) && defined(MSG_CMSG_CLOEXEC))
    CloseOnExecReceivedDescriptors(control.data, control_length);
#endif
    socklen_t length = message.msg_namelen < sizeof from ? message.msg_namelen : sizeof from;
    std::memcpy(address_out.data, &from, length);
    result_out[0] = static_cast<int32_t>(length);
    // Linux echoes MSG_CMSG_CLOEXEC in msg_flags: report only what the caller asked for.
    result_out[1] = message.msg_flags & ~added_flags;
    result_out[2] = static_cast<int32_t>(control_length);
  }
  return Result(env, received);
}

}  // namespace bsdsock
