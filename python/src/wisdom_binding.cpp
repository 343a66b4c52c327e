// attnkit.load_wisdom, clear_wisdom, loaded_wisdom_entries, wisdom_key: the tuner's results
// for variant="automatic" (<attnkit/wisdom.hpp>). Including that header also
// makes the module load ATTNKIT_WISDOM on its first automatic call.
#include <string>

#include <pybind11/numpy.h>

#include <attnkit/wisdom.hpp>

#include "bindings.hpp"
#include "messages.hpp"
#include "names.hpp"

namespace attnkit_python {
namespace {

namespace py = pybind11;

py::dict report_dict(const attnkit::wisdom_report& report) {
    py::list warnings;
    for (const attnkit::wisdom_warning& w : report.warnings) {
        py::dict warning;
        warning["line"] = w.line;
        warning["reason"] = w.reason;
        warnings.append(warning);
    }
    py::dict r;
    r["path"] = report.path;
    r["loaded"] = report.loaded;
    r["skipped"] = report.skipped;
    r["warnings"] = warnings;
    return r;
}

py::dict load_wisdom(const py::object& path) {
    if (!py::isinstance<py::str>(path) && !py::hasattr(path, "__fspath__"))
        throw py::type_error("attnkit.load_wisdom: path must be a str or an os.PathLike, got " + type_name(path));
    const py::object text = py::module_::import("os").attr("fspath")(path);
    if (!py::isinstance<py::str>(text))
        throw py::type_error("attnkit.load_wisdom: path must name a file as str, got " + type_name(text));
    const std::string file = text.cast<std::string>();
    attnkit::wisdom_report report;
    {
        py::gil_scoped_release unlocked;  // file I/O; safe while other threads call sdpa
        report = attnkit::load_wisdom(file);
    }
    return report_dict(report);
}

py::dict key_dict(const attnkit::wisdom_key& key) {
    py::dict r;
    r["library"] = key.library;
    r["compiler"] = key.compiler;
    r["cpu"] = key.cpu;
    r["isa"] = key.isa;
    r["threads"] = key.threads;
    r["dtype"] = key.dtype;
    return r;
}

py::dict wisdom_key(const py::object& dtype, int threads, const std::string& isa) {
    const py::dtype d = py::dtype::from_args(dtype);
    const attnkit::isa x = parse_isa(isa, "attnkit.wisdom_key");
    if (d.kind() == 'f' && d.itemsize() == 4) return key_dict(attnkit::current_wisdom_key<float>(threads, x));
    if (d.kind() == 'f' && d.itemsize() == 8) return key_dict(attnkit::current_wisdom_key<double>(threads, x));
    throw py::type_error("attnkit.wisdom_key: dtype must be float32 or float64, got " +
                         std::string(py::str(py::object(d))));
}

constexpr const char* wisdom_key_doc = R"(wisdom_key(dtype="float32", threads=0, isa="automatic") -> dict

The key that wisdom entries for calls from this process with this dtype,
threads= and isa= carry: dict(library, compiler, cpu, isa, threads, dtype),
threads being the thread budget (threads, else OpenMP's default) and dtype
"f32" or "f64". load_wisdom skips entries of another library, compiler or cpu;
a call uses only entries of its isa, thread budget and dtype.)";

constexpr const char* load_wisdom_doc = R"(load_wisdom(path) -> dict

Adds the entries of a wisdom file (attnkit-tune's results) for this library
version, compiler and CPU to the table that variant="automatic" consults; an
entry replaces a loaded one of the same key and problem. Returns
dict(path=str, loaded=int, skipped=int, warnings=[dict(line=int, reason=str)]):
corrupt lines, other formats and other machines' entries are skipped with a
warning, never an exception. Raises attnkit.Error if the file cannot be read.)";

}  // namespace

void bind_wisdom(py::module_& m) {
    m.def("load_wisdom", &load_wisdom, load_wisdom_doc, py::arg("path"));
    m.def("wisdom_key", &wisdom_key, wisdom_key_doc, py::arg("dtype") = "float32", py::arg("threads") = 0,
          py::arg("isa") = "automatic");
    m.def("clear_wisdom", &attnkit::clear_wisdom,
          "clear_wisdom()\n\nEmpties the table of loaded wisdom (ATTNKIT_WISDOM's entries too): variant=\"automatic\" "
          "uses its heuristic until the next load_wisdom().");
    m.def("loaded_wisdom_entries", &attnkit::loaded_wisdom_entries,
          "loaded_wisdom_entries() -> int\n\nHow many wisdom entries the table holds.");
}

}  // namespace attnkit_python
