// Test support for the wisdom tests that needs no wisdom header: a scratch
// directory, whole files as strings, and stderr captured to a string.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include <catch2/catch.hpp>

namespace attnkit_test {

// A fresh directory under the system's temporary one, removed with everything
// in it at the end of the test.
class scratch_directory {
public:
    scratch_directory() {
        const auto tick = std::chrono::steady_clock::now().time_since_epoch().count();
        path_ = std::filesystem::temp_directory_path() /
                ("attnkit_wisdom_test_" + std::to_string(::getpid()) + "_" + std::to_string(tick));
        std::filesystem::create_directories(path_);
    }
    ~scratch_directory() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    scratch_directory(const scratch_directory&) = delete;
    scratch_directory& operator=(const scratch_directory&) = delete;

    std::string file(const std::string& name) const { return (path_ / name).string(); }
    const std::filesystem::path& path() const { return path_; }

    // The names of the directory's files, hidden ones included.
    std::vector<std::string> listing() const {
        std::vector<std::string> names;
        for (const auto& e : std::filesystem::directory_iterator(path_)) names.push_back(e.path().filename().string());
        return names;
    }

private:
    std::filesystem::path path_;
};

inline void write_text(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    REQUIRE(out.good());
}

inline std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// What the library writes on stderr between construction and finish().
class stderr_capture {
public:
    explicit stderr_capture(std::string path) : path_(std::move(path)) {
        std::fflush(stderr);
        saved_ = ::dup(STDERR_FILENO);
        const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        REQUIRE(saved_ >= 0);
        REQUIRE(fd >= 0);
        ::dup2(fd, STDERR_FILENO);
        ::close(fd);
    }
    ~stderr_capture() { restore(); }
    stderr_capture(const stderr_capture&) = delete;
    stderr_capture& operator=(const stderr_capture&) = delete;

    std::string finish() {
        restore();
        return read_text(path_);
    }

private:
    void restore() {
        if (saved_ < 0) return;
        std::fflush(stderr);
        ::dup2(saved_, STDERR_FILENO);
        ::close(saved_);
        saved_ = -1;
    }

    std::string path_;
    int saved_ = -1;
};

// The lines of a text that contain `part`.
inline std::vector<std::string> lines_with(const std::string& text, const std::string& part) {
    std::vector<std::string> found;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (line.find(part) != std::string::npos) found.push_back(line);
    return found;
}

}  // namespace attnkit_test
