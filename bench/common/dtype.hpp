// attnkit benchmarks: the element types measured, and their names in records.
#pragma once

#include <optional>
#include <string>

namespace attnkit_bench {

enum class dtype { f32, f64 };

inline const char* dtype_name(dtype t) { return t == dtype::f32 ? "f32" : "f64"; }

// "f32" | "float32" | "float" and "f64" | "float64" | "double".
inline std::optional<dtype> parse_dtype(const std::string& text) {
    if (text == "f32" || text == "float32" || text == "float") return dtype::f32;
    if (text == "f64" || text == "float64" || text == "double") return dtype::f64;
    return std::nullopt;
}

template <class T>
constexpr dtype dtype_of() {
    return sizeof(T) == 4 ? dtype::f32 : dtype::f64;
}

}  // namespace attnkit_bench
