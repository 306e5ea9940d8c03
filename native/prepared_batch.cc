#include "prepared_batch.h"

#include <string>

#include "args.h"
#include "js_result.h"

namespace bsdsock {

Napi::Function PreparedBatch::Define(Napi::Env env) {
  return DefineClass(env, "PreparedBatch", {InstanceMethod<&PreparedBatch::Send>("send")});
}

PreparedBatch::PreparedBatch(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PreparedBatch>(info) {
  Napi::Env env = info.Env();
  if (!info[0].IsArray()) {
    ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "The \"buffers\" argument must be an Array");
  }
  Napi::Array buffers = info[0].As<Napi::Array>();
  size_t count = buffers.Length();
  if (count > kMaxBatch) {
    ThrowRangeError(env, "ERR_OUT_OF_RANGE",
                    std::string("A batch holds at most ") + std::to_string(kMaxBatch) + " datagrams");
  }
  bool with_addresses = !info[1].IsUndefined();
  if (with_addresses && (!info[1].IsArray() || info[1].As<Napi::Array>().Length() != count)) {
    ThrowTypeError(env, "ERR_INVALID_ARG_TYPE",
                   "The \"addresses\" argument must be undefined or an Array as long as buffers");
  }
  bool with_segments = !info[2].IsUndefined();
  if (with_segments && (!info[2].IsArray() || info[2].As<Napi::Array>().Length() != count)) {
    ThrowTypeError(env, "ERR_INVALID_ARG_TYPE",
                   "The \"segments\" argument must be undefined or an Array as long as buffers");
  }
  if (with_segments) {
    segments_.resize(count);
    for (uint32_t i = 0; i < count; i++) segments_[i] = SegmentSizeOf(env, info[2].As<Napi::Array>().Get(i), i);
  }
  buffers_.reserve(count);
  addresses_.resize(count);
  address_source_.resize(count);
  napi_value previous = nullptr;  // the last address seen, and its message
  size_t previous_index = 0;
  for (uint32_t i = 0; i < count; i++) {
    address_source_[i] = i;
    Napi::Value buffer = buffers.Get(i);
    if (!buffer.IsTypedArray() && !buffer.IsDataView()) {
      ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "buffers[" + std::to_string(i) + "] must be a Buffer, TypedArray or DataView");
    }
    buffers_.push_back(Napi::Persistent(buffer));
    if (!with_addresses) continue;
    Napi::Value address = info[1].As<Napi::Array>().Get(i);
    if (address.IsUndefined()) continue;
    sockaddr_storage checked;
    socklen_t length = 0;
    SockaddrForKernel(env, address, &checked, &length);  // throws unless an encoded address
    addresses_[i] = Napi::Persistent(address);
    bool same = false;
    if (previous != nullptr) NAPI_THROW_IF_FAILED_VOID(env, napi_strict_equals(env, previous, address, &same));
    if (same) {
      address_source_[i] = previous_index;
    } else {
      previous = address;
      previous_index = i;
    }
  }
  entries_.resize(count);
  spare_.resize(count);
  scratch_.Reserve(count);
}

Napi::Value PreparedBatch::Send(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0);
  int flags = ArgInt32(info, 1, "flags");
  bool split = info[2].IsUndefined() ? false : ArgBool(info, 2, "split");
  // Reading a reference runs no JavaScript: nothing can change a view between here and the
  // kernel.
  for (size_t i = 0; i < buffers_.size(); i++) {
    ByteSpan bytes = BytesOf(env, buffers_[i].Value(), "buffer");
    entries_[i] = BatchEntry{bytes.data, bytes.length, nullptr, 0};
    if (addresses_[i].IsEmpty()) continue;
    size_t source = address_source_[i];
    if (source != i) {  // the same address object as an earlier message: already read
      entries_[i].address = entries_[source].address;
      entries_[i].address_length = entries_[source].address_length;
      continue;
    }
    entries_[i].address = SockaddrForKernel(env, addresses_[i].Value(), &spare_[i], &entries_[i].address_length);
  }
  int32_t* progress = info[3].IsUndefined() ? nullptr : ArgInt32Array(info, 3, "progressOut", 1);
  int result = SendBatch(fd, entries_.data(), entries_.size(), flags, scratch_,
                         segments_.empty() ? nullptr : segments_.data(), split);
  if (progress != nullptr) progress[0] = static_cast<int32_t>(scratch_.partial_bytes);
  return Result(env, result);
}

}  // namespace bsdsock
