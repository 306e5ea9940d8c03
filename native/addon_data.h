// Per-environment state (the main thread and each worker have their own): the sockets still
// open in this environment, so that a cleanup hook can close them when the environment ends.
// Nothing here is global: two workers never share an AddonData.
#pragma once

#include "build_config.h"

#include <unordered_set>

#include "batch.h"

namespace bsdsock {

class SocketHandle;

struct AddonData {
  // Handles whose descriptor is still open.
  std::unordered_set<SocketHandle*> open_handles;
  // uv_poll_t handles between uv_close() and their close callback.
  size_t closing_handles = 0;
  // Set while the environment is being torn down: the hook is removed once every handle closed.
  napi_async_cleanup_hook_handle cleanup_hook = nullptr;
  bool tearing_down = false;
  // One async context for the callbacks into JavaScript, so async_hooks and promise
  // continuations see where they came from.
  napi_async_context async_context = nullptr;
  napi_env env = nullptr;
  // The flat sendmmsg()/recvmmsg() calls' reusable memory.
  BatchCallScratch batch;

  static AddonData* From(Napi::Env env) { return env.GetInstanceData<AddonData>(); }
  // Registers the instance data and the environment cleanup hook. Called once per environment.
  static void Install(Napi::Env env);
  // A uv_close() callback finished: lets the teardown complete when it was the last one.
  void HandleClosed();
};

}  // namespace bsdsock
