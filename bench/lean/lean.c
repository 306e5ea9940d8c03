/* A throw-away Node-API addon for bench/profile.js (`node bench/profile.js lean`), not part of
 * bsdsock: how cheap can one JavaScript -> C -> syscall crossing be through Node-API? It is the
 * floor against which bsdsock's flat sendto()/send() overhead is judged. It trusts its caller
 * (the JavaScript side has validated), reads int32s with napi_get_value_int32 and buffers with
 * napi_get_buffer_info, and returns bytes or -errno, as bsdsock's native layer does. */
#define NAPI_VERSION 8
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <node_api.h>
#include <sys/socket.h>

static napi_value number(napi_env env, double value) {
  napi_value result;
  napi_create_double(env, value, &result);
  return result;
}

/* noop(fd) -> fd: the crossing alone. */
static napi_value noop(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  napi_get_value_int32(env, argv[0], &fd);
  return number(env, fd);
}

/* sendto(fd, buf, sockaddrBytes) -> bytes | -errno */
static napi_value lean_sendto(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  int32_t fd;
  void *data, *addr;
  size_t length, addr_length;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3 || napi_get_value_int32(env, argv[0], &fd) != napi_ok ||
      napi_get_buffer_info(env, argv[1], &data, &length) != napi_ok ||
      napi_get_buffer_info(env, argv[2], &addr, &addr_length) != napi_ok)
    return number(env, -EINVAL);
  ssize_t n;
  do n = sendto(fd, data, length, MSG_NOSIGNAL, (const struct sockaddr *)addr, (socklen_t)addr_length);
  while (n < 0 && errno == EINTR);
  return number(env, n >= 0 ? (double)n : -errno);
}

/* send(fd, buf) -> bytes | -errno */
static napi_value lean_send(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd;
  void *data;
  size_t length;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || napi_get_value_int32(env, argv[0], &fd) != napi_ok ||
      napi_get_buffer_info(env, argv[1], &data, &length) != napi_ok)
    return number(env, -EINVAL);
  ssize_t n;
  do n = send(fd, data, length, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return number(env, n >= 0 ? (double)n : -errno);
}

/* sendmmsg(fd, buffers[]) -> count | -errno, on a connected socket: one napi_get_element and
 * one napi_get_buffer_info per message, kernel structures in static storage. */
#define LEAN_MAX_BATCH 1024
static struct iovec iov[LEAN_MAX_BATCH];
static struct mmsghdr msgs[LEAN_MAX_BATCH];

static napi_value lean_sendmmsg(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd;
  uint32_t count;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || napi_get_value_int32(env, argv[0], &fd) != napi_ok ||
      napi_get_array_length(env, argv[1], &count) != napi_ok || count > LEAN_MAX_BATCH)
    return number(env, -EINVAL);
  for (uint32_t i = 0; i < count; i++) {
    napi_value element;
    void *data;
    size_t length;
    if (napi_get_element(env, argv[1], i, &element) != napi_ok ||
        napi_get_buffer_info(env, element, &data, &length) != napi_ok)
      return number(env, -EINVAL);
    iov[i].iov_base = data;
    iov[i].iov_len = length;
    memset(&msgs[i], 0, sizeof msgs[i]);
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  unsigned sent = 0;
  while (sent < count) {
    int n = sendmmsg(fd, msgs + sent, count - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return number(env, sent > 0 ? (double)sent : -errno);
    sent += (unsigned)n;
  }
  return number(env, sent);
}

/* prepare(buffers[]) then sendPrepared(fd): the batch's iovecs are built once and reused, as a C
 * program does (and as a prepared-batch API in bsdsock could). The caller keeps the buffers
 * alive and unchanged in size; a prototype, not an API. */
static struct iovec prepared_iov[LEAN_MAX_BATCH];
static struct mmsghdr prepared[LEAN_MAX_BATCH];
static uint32_t prepared_count;

static napi_value lean_prepare(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  uint32_t count;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_array_length(env, argv[0], &count) != napi_ok || count > LEAN_MAX_BATCH) return number(env, -EINVAL);
  for (uint32_t i = 0; i < count; i++) {
    napi_value element;
    void *data;
    size_t length;
    if (napi_get_element(env, argv[0], i, &element) != napi_ok || napi_get_buffer_info(env, element, &data, &length) != napi_ok)
      return number(env, -EINVAL);
    prepared_iov[i].iov_base = data;
    prepared_iov[i].iov_len = length;
    memset(&prepared[i], 0, sizeof prepared[i]);
    prepared[i].msg_hdr.msg_iov = &prepared_iov[i];
    prepared[i].msg_hdr.msg_iovlen = 1;
  }
  prepared_count = count;
  return number(env, count);
}

static napi_value lean_send_prepared(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok) return number(env, -EINVAL);
  unsigned sent = 0;
  while (sent < prepared_count) {
    int n = sendmmsg(fd, prepared + sent, prepared_count - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return number(env, sent > 0 ? (double)sent : -errno);
    sent += (unsigned)n;
  }
  return number(env, sent);
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"noop", NULL, noop, NULL, NULL, NULL, napi_default, NULL},
      {"sendto", NULL, lean_sendto, NULL, NULL, NULL, napi_default, NULL},
      {"send", NULL, lean_send, NULL, NULL, NULL, napi_default, NULL},
      {"sendmmsg", NULL, lean_sendmmsg, NULL, NULL, NULL, napi_default, NULL},
      {"prepare", NULL, lean_prepare, NULL, NULL, NULL, napi_default, NULL},
      {"sendPrepared", NULL, lean_send_prepared, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
