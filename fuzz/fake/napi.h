// A stand-in for node-addon-api's <napi.h>, just large enough to compile native/address.cc
// unchanged into a libFuzzer target without Node.js.
//
// Values are plain C++ data (undefined, number, string, bytes, object), so the fuzz target can
// check what the real encoder and decoder produced. Throwing is a C++ exception, FakeJsError,
// raised by the stand-ins for the argument helpers (fuzz/fake_args.cc).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

// Node-API's property attributes (js_native_api_types.h), as far as address.cc names them.
enum napi_property_attributes { napi_default = 0, napi_writable = 1, napi_enumerable = 2, napi_configurable = 4 };

namespace Napi {

class Env {};

class Value {
 public:
  enum class Kind { Undefined, Number, String, Bytes, Object };

  Value() : node_(std::make_shared<Node>()) {}

  Kind kind() const { return node_->kind; }
  bool IsUndefined() const { return kind() == Kind::Undefined; }
  bool IsNumber() const { return kind() == Kind::Number; }
  bool IsString() const { return kind() == Kind::String; }
  bool IsBytes() const { return kind() == Kind::Bytes; }
  bool IsObject() const { return kind() == Kind::Object; }

  double number() const { return node_->number; }
  const std::string& string() const { return node_->text; }
  const std::vector<uint8_t>& bytes() const { return node_->bytes; }
  std::vector<uint8_t>& mutable_bytes() { return node_->bytes; }
  bool Has(const std::string& key) const { return node_->fields.count(key) != 0; }
  Value Get(const std::string& key) const {
    auto it = node_->fields.find(key);
    return it == node_->fields.end() ? Value() : it->second;
  }
  size_t FieldCount() const { return node_->fields.size(); }

  static Value MakeNumber(double n) {
    Value v;
    v.node_->kind = Kind::Number;
    v.node_->number = n;
    return v;
  }
  static Value MakeString(std::string s) {
    Value v;
    v.node_->kind = Kind::String;
    v.node_->text = std::move(s);
    return v;
  }
  static Value MakeBytes(const uint8_t* data, size_t length) {
    Value v;
    v.node_->kind = Kind::Bytes;
    v.node_->bytes.assign(data, data + length);
    return v;
  }

 protected:
  struct Node {
    Kind kind = Kind::Undefined;
    double number = 0;
    std::string text;
    std::vector<uint8_t> bytes;
    std::map<std::string, Value> fields;
  };
  std::shared_ptr<Node> node_;
};

class Number : public Value {
 public:
  static Number New(Env, double value) { return Number(MakeNumber(value)); }

 private:
  explicit Number(Value v) : Value(std::move(v)) {}
};

class String : public Value {
 public:
  static String New(Env, const char* text) { return String(MakeString(text)); }
  static String New(Env, const char* text, size_t length) { return String(MakeString(std::string(text, length))); }
  static String New(Env, const std::string& text) { return String(MakeString(text)); }

 private:
  explicit String(Value v) : Value(std::move(v)) {}
};

// A data property to define (address.cc defines, rather than assigns, what it decodes).
class PropertyDescriptor {
 public:
  static PropertyDescriptor Value(const char* name, const Napi::Value& value, napi_property_attributes) {
    return PropertyDescriptor(name, value);
  }
  const char* name;
  Napi::Value value;

 private:
  PropertyDescriptor(const char* n, const Napi::Value& v) : name(n), value(v) {}
};

class Object : public Value {
 public:
  static Object New(Env) {
    Object o;
    o.node_->kind = Kind::Object;
    return o;
  }
  void Set(const char* key, const Value& value) { node_->fields[key] = value; }
  void DefineProperty(const PropertyDescriptor& property) { node_->fields[property.name] = property.value; }

 private:
  Object() = default;
};

template <typename T>
class Buffer : public Value {
 public:
  static Buffer Copy(Env, const T* data, size_t length) {
    return Buffer(MakeBytes(reinterpret_cast<const uint8_t*>(data), length * sizeof(T)));
  }

 private:
  explicit Buffer(Value v) : Value(std::move(v)) {}
};

class CallbackInfo {
 public:
  explicit CallbackInfo(std::vector<Value> args) : args_(std::move(args)) {}
  Value operator[](size_t index) const { return index < args_.size() ? args_[index] : Value(); }
  size_t Length() const { return args_.size(); }
  Env Env() const { return Napi::Env(); }

 private:
  std::vector<Value> args_;
};

}  // namespace Napi

// What a JavaScript TypeError/RangeError with a `code` would have been.
struct FakeJsError {
  std::string type;  // "TypeError" or "RangeError"
  std::string code;
  std::string message;
};
