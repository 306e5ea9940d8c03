#include "batch.h"

#include <cstring>
#include <vector>

#include <sys/uio.h>

#include "addon_data.h"
#include "args.h"
#include "platform.h"
#include "segment.h"
#include "interrupted_call.h"
#include "js_result.h"

namespace bsdsock {

uint16_t SegmentSizeOf(Napi::Env env, Napi::Value value, size_t index) {
  if (!value.IsNumber()) {
    ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "segments[" + std::to_string(index) + "] must be a number");
  }
  double size = value.As<Napi::Number>().DoubleValue();
  if (!(size >= 0 && size <= static_cast<double>(kMaxSegmentSize)) || size != static_cast<double>(static_cast<uint32_t>(size))) {
    ThrowRangeError(env, "ERR_OUT_OF_RANGE",
                    "segments[" + std::to_string(index) + "] must be an integer from 0 to " + std::to_string(kMaxSegmentSize));
  }
  return static_cast<uint16_t>(size);
}

namespace {

size_t ArgBatchLength(const Napi::CallbackInfo& info, size_t index, const char* name) {
  if (!info[index].IsArray()) {
    ThrowTypeError(info.Env(), "ERR_INVALID_ARG_TYPE", std::string("The \"") + name + "\" argument must be an Array");
  }
  uint32_t length = info[index].As<Napi::Array>().Length();
  if (length > kMaxBatch) {
    ThrowRangeError(info.Env(), "ERR_OUT_OF_RANGE",
                    std::string("A batch holds at most ") + std::to_string(kMaxBatch) + " datagrams");
  }
  return length;
}

}  // namespace

namespace {

// The environment's BatchCallScratch, or a private one for a nested call; released on return.
class ScratchLease {
 public:
  explicit ScratchLease(Napi::Env env) {
    AddonData* data = AddonData::From(env);
    if (data != nullptr && !data->batch.in_use) {
      shared_ = &data->batch;
      shared_->in_use = true;
    }
  }
  ~ScratchLease() {
    if (shared_ != nullptr) shared_->in_use = false;
  }
  ScratchLease(const ScratchLease&) = delete;
  ScratchLease& operator=(const ScratchLease&) = delete;
  BatchCallScratch& Get(size_t count) {
    BatchCallScratch& scratch = shared_ != nullptr ? *shared_ : own_;
    scratch.Reserve(count);
    return scratch;
  }

 private:
  BatchCallScratch* shared_ = nullptr;
  BatchCallScratch own_;
};

}  // namespace

Napi::Value Sendmmsg(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0);
  size_t count = ArgBatchLength(info, 1, "buffers");
  Napi::Array buffers = info[1].As<Napi::Array>();
  // undefined: no message has an address (a connected socket), so none is looked up.
  bool with_addresses = !info[2].IsUndefined();
  if (with_addresses && (!info[2].IsArray() || info[2].As<Napi::Array>().Length() != count)) {
    ThrowTypeError(env, "ERR_INVALID_ARG_TYPE",
                   "The \"addresses\" argument must be undefined or an Array as long as buffers");
  }
  Napi::Array addresses = with_addresses ? info[2].As<Napi::Array>() : Napi::Array();
  int flags = ArgInt32(info, 3, "flags");
  bool with_segments = !info[4].IsUndefined();
  if (with_segments && (!info[4].IsArray() || info[4].As<Napi::Array>().Length() != count)) {
    ThrowTypeError(env, "ERR_INVALID_ARG_TYPE",
                   "The \"segments\" argument must be undefined or an Array as long as buffers");
  }
  bool split = info[5].IsUndefined() ? false : ArgBool(info, 5, "split");
  ScratchLease lease(env);
  BatchCallScratch& scratch = lease.Get(count);
  if (with_segments && scratch.segments.size() < count) scratch.segments.resize(count);
  for (uint32_t i = 0; i < count; i++) {
    scratch.buffers[i] = buffers.Get(i);
    scratch.destinations[i] = with_addresses ? static_cast<napi_value>(addresses.Get(i)) : nullptr;
    if (with_segments) scratch.segments[i] = SegmentSizeOf(env, info[4].As<Napi::Array>().Get(i), i);
  }
  // From here on no JavaScript runs until the kernel has the batch.
  BatchEntry* entries = scratch.entries.data();
  for (size_t i = 0; i < count; i++) {
    ByteSpan bytes = BytesOf(env, Napi::Value(env, scratch.buffers[i]), "buffer");
    entries[i] = BatchEntry{bytes.data, bytes.length, nullptr, 0};
    if (scratch.destinations[i] == nullptr) continue;  // no addresses array at all
    Napi::Value address(env, scratch.destinations[i]);
    if (address.IsUndefined()) continue;
    entries[i].address = SockaddrForKernel(env, address, &scratch.addresses[i], &entries[i].address_length);
  }
  int32_t* progress = info[6].IsUndefined() ? nullptr : ArgInt32Array(info, 6, "progressOut", 1);
  int result = SendBatch(fd, entries, count, flags, scratch.kernel, with_segments ? scratch.segments.data() : nullptr, split);
  if (progress != nullptr) progress[0] = static_cast<int32_t>(scratch.kernel.partial_bytes);
  return Result(env, result);
}

Napi::Value Recvmmsg(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0);
  size_t count = ArgBatchLength(info, 1, "buffers");
  Napi::Array buffers = info[1].As<Napi::Array>();
  int flags = ArgInt32(info, 2, "flags");
  ScratchLease lease(env);
  BatchCallScratch& scratch = lease.Get(count);
  for (uint32_t i = 0; i < count; i++) scratch.buffers[i] = buffers.Get(i);
  // From here on no JavaScript runs until the results are written.
  int32_t* result_out = ArgInt32Array(info, 3, "resultOut", 3 * count);
  ByteSpan address_out = ArgBytes(info, 4, "addressOut");
  if (address_out.length < count * sizeof(sockaddr_storage)) {
    ThrowRangeError(env, "ERR_OUT_OF_RANGE", "addressOut is too small for the batch");
  }
  BatchEntry* entries = scratch.entries.data();
  for (size_t i = 0; i < count; i++) {
    ByteSpan bytes = BytesOf(env, Napi::Value(env, scratch.buffers[i]), "buffer");
    entries[i] = BatchEntry{bytes.data, bytes.length, nullptr, 0};
  }
  sockaddr_storage* from = scratch.addresses.data();
  BatchReceived* received = scratch.received.data();
  int result = ReceiveBatch(fd, entries, count, flags, from, received, scratch.kernel);
  for (int i = 0; i < result; i++) {
    socklen_t length = received[i].from_length < sizeof(sockaddr_storage) ? received[i].from_length
                                                                           : sizeof(sockaddr_storage);
    std::memcpy(address_out.data + i * sizeof(sockaddr_storage), &from[i], length);
    result_out[3 * i] = static_cast<int32_t>(received[i].bytes);
    result_out[3 * i + 1] = received[i].flags;
    result_out[3 * i + 2] = static_cast<int32_t>(length);
  }
  return Result(env, result);
}

}  // namespace bsdsock
