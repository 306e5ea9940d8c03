#include "addon_data.h"

#include <vector>

#include "socket_handle.h"

namespace bsdsock {

namespace {

void FinishTeardownIfDone(AddonData* data) {
  if (!data->tearing_down || data->closing_handles != 0 || data->cleanup_hook == nullptr) return;
  // No callback into JavaScript can happen any more: every handle is closed.
  if (data->async_context != nullptr) napi_async_destroy(data->env, data->async_context);
  data->async_context = nullptr;
  napi_remove_async_cleanup_hook(data->cleanup_hook);
  data->cleanup_hook = nullptr;
}

// The environment is ending (worker terminated, or the process exiting): close every socket
// still open. uv_close() completes on a later loop turn, and the environment waits for this
// hook to be removed before closing its loop, so no handle outlives the loop.
void OnEnvironmentCleanup(napi_async_cleanup_hook_handle hook, void* arg) {
  auto* data = static_cast<AddonData*>(arg);
  data->cleanup_hook = hook;
  data->tearing_down = true;
  std::vector<SocketHandle*> handles(data->open_handles.begin(), data->open_handles.end());
  for (SocketHandle* handle : handles) handle->CloseNow();
  FinishTeardownIfDone(data);
}

}  // namespace

void AddonData::Install(Napi::Env env) {
  auto* data = new AddonData();
  data->env = env;
  env.SetInstanceData<AddonData>(data);  // deleted by the environment, after every finalizer
  napi_value resource_name = Napi::String::New(env, "bsdsock.Socket");
  NAPI_THROW_IF_FAILED_VOID(env, napi_async_init(env, nullptr, resource_name, &data->async_context));
  NAPI_THROW_IF_FAILED_VOID(env, napi_add_async_cleanup_hook(env, OnEnvironmentCleanup, data, nullptr));
}

void AddonData::HandleClosed() {
  closing_handles--;
  FinishTeardownIfDone(this);
}

}  // namespace bsdsock
