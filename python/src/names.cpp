#include "names.hpp"

#include "messages.hpp"

#include <attnkit/attnkit.hpp>
#include <attnkit/isa.hpp>

namespace attnkit_python {
namespace {

const std::vector<attnkit::causal>& all_causal() {
    static const std::vector<attnkit::causal> modes{attnkit::causal::none, attnkit::causal::top_left,
                                                    attnkit::causal::bottom_right};
    return modes;
}

// "'a', 'b' or 'c'", for messages.
template <class E, class Text>
std::string choices(const std::vector<E>& all, Text text) {
    std::string s;
    for (std::size_t n = 0; n < all.size(); ++n) {
        if (n > 0) s += n + 1 == all.size() ? " or " : ", ";
        s += std::string("'") + text(all[n]) + "'";
    }
    return s;
}

template <class E, class Text>
E parse(const std::string& name, const std::vector<E>& all, Text text, const char* function,
        const char* argument) {
    for (E e : all)
        if (name == text(e)) return e;
    throw py::value_error(std::string(function) + ": " + argument + " '" + name + "' is not " +
                          choices(all, text));
}

}  // namespace

const std::vector<attnkit::variant>& all_variants() {
    static const std::vector<attnkit::variant> variants{attnkit::variant::automatic, attnkit::variant::naive,
                                                        attnkit::variant::blocked,   attnkit::variant::flash,
                                                        attnkit::variant::parallel,  attnkit::variant::decode};
    return variants;
}

const std::vector<attnkit::isa>& all_isas() {
    static const std::vector<attnkit::isa> isas{attnkit::isa::automatic, attnkit::isa::sse2, attnkit::isa::avx2,
                                                attnkit::isa::avx512, attnkit::isa::neon};
    return isas;
}

// The library's own names, so that Python and C++ messages agree.
const char* variant_text(attnkit::variant v) { return attnkit::detail::variant_name(v); }
const char* isa_text(attnkit::isa x) { return attnkit::isa_name(x); }

const char* causal_text(attnkit::causal c) {
    switch (c) {
        case attnkit::causal::none: return "none";
        case attnkit::causal::top_left: return "top_left";
        case attnkit::causal::bottom_right: return "bottom_right";
    }
    return "unknown";
}

attnkit::variant parse_variant(const std::string& name, const char* function) {
    return parse(name, all_variants(), variant_text, function, "variant");
}

attnkit::isa parse_isa(const std::string& name, const char* function) {
    return parse(name, all_isas(), isa_text, function, "isa");
}

attnkit::causal parse_causal(const py::handle& value, const char* function) {
    // bool first: Python's True is also an int, and a str check would not see it.
    if (py::isinstance<py::bool_>(value))
        return value.cast<bool>() ? attnkit::causal::top_left : attnkit::causal::none;
    if (!py::isinstance<py::str>(value))
        throw py::type_error(std::string(function) + ": causal must be a str (" + choices(all_causal(), causal_text) +
                             ") or a bool, got " + type_name(value));
    return parse(value.cast<std::string>(), all_causal(), causal_text, function, "causal");
}

}  // namespace attnkit_python
