{
  # The default build (npm install runs it). CMakeLists.txt builds the same addon with
  # cmake-js; native/build_config.h checks at compile time that both agree on the defines.
  'variables': {
    # 1 turns off every Linux-only fast path (node-gyp rebuild -- -Dbsdsock_portable=1).
    'bsdsock_portable%': 0,
  },
  'targets': [
    {
      'target_name': 'bsdsock',
      'sources': [
        'native/addon.cc',
        'native/addon_data.cc',
        'native/address.cc',
        'native/args.cc',
        'native/cmsg.cc',
        'native/batch.cc',
        'native/constants.cc',
        'native/descriptor.cc',
        'native/descriptor_owners.cc',
        'native/interrupted_call.cc',
        'native/interfaces.cc',
        'native/mmsg.cc',
        'native/msg.cc',
        'native/name_lookup.cc',
        'native/option_struct.cc',
        'native/prepared_batch.cc',
        'native/segment.cc',
        'native/socket_handle.cc',
        'native/sockopt.cc',
        'native/sockopt_struct.cc',
        'native/multiplex.cc',
        'native/strerror.cc',
        'native/syscalls.cc',
      ],
      'include_dirs': ["<!(node -p \"require('node-addon-api').include_dir\")"],
      'defines': [
        'NAPI_VERSION=8',
        'NODE_ADDON_API_CPP_EXCEPTIONS',
        'NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS',
        'BSDSOCK_BUILD_SYSTEM="node-gyp"',
      ],
      'cflags!': ['-fno-exceptions'],
      'cflags_cc!': ['-fno-exceptions'],
      'cflags_cc': ['-std=c++17', '-fexceptions', '-Wall', '-Wextra'],
      'xcode_settings': {
        'GCC_ENABLE_CPP_EXCEPTIONS': 'YES',
        'CLANG_CXX_LANGUAGE_STANDARD': 'c++17',
        'MACOSX_DEPLOYMENT_TARGET': '11.0',
        'OTHER_CPLUSPLUSFLAGS': ['-Wall', '-Wextra'],
      },
      'conditions': [
        ['bsdsock_portable==1', { 'defines': ['BSDSOCK_PORTABLE'] }],
        # macOS hides the RFC 3542 IPv6 options (IPV6_RECVPKTINFO, ...) without this.
        ['OS=="mac"', { 'defines': ['__APPLE_USE_RFC_3542'] }],
      ],
    },
  ],
}
