#include "progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace attnkit_tune {

std::string format_duration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) return "?";
    const long s = std::lround(seconds);
    char buf[32];
    if (s >= 3600)
        std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s / 60) % 60);
    else if (s >= 60)
        std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
    else
        std::snprintf(buf, sizeof buf, "%lds", s);
    return buf;
}

progress::progress(double total_units, bool quiet)
    : total_(std::max(total_units, 1e-9)),
      quiet_(quiet),
      terminal_(isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()) {}

std::string progress::format_line(const std::string& what) const {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const double fraction = std::clamp(done_ / total_, 0.0, 1.0);
    const int width = 24, filled = static_cast<int>(std::lround(fraction * width));
    std::string bar = "[" + std::string(static_cast<std::size_t>(filled), '#') +
                      std::string(static_cast<std::size_t>(width - filled), '.') + "]";
    const double eta = done_ > 0 ? elapsed / done_ * (total_ - done_) : NAN;
    char pct[16];
    std::snprintf(pct, sizeof pct, "%3.0f%%", fraction * 100);
    return bar + " " + pct + "  " + what + "  elapsed " + format_duration(elapsed) + "  ETA " + format_duration(eta);
}

void progress::update(double done, const std::string& what) {
    done_ = done;
    if (quiet_ || !terminal_) return;
    std::string line = format_line(what);
    if (line.size() > 150) line = line.substr(0, 147) + "...";
    const std::size_t width = line.size();
    if (width < last_width_) line += std::string(last_width_ - width, ' ');
    last_width_ = width;
    std::fprintf(stderr, "\r%s", line.c_str());
    std::fflush(stderr);
}

void progress::finished(const std::string& line) {
    if (quiet_) return;
    if (terminal_ && last_width_) std::fprintf(stderr, "\r%s\r", std::string(last_width_, ' ').c_str());
    last_width_ = 0;
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const double eta = done_ > 0 ? elapsed / done_ * (total_ - done_) : NAN;
    std::fprintf(stderr, "%s  [%s elapsed, ETA %s]\n", line.c_str(), format_duration(elapsed).c_str(),
                 format_duration(eta).c_str());
    std::fflush(stderr);
}

void progress::close() {
    if (!quiet_ && terminal_ && last_width_) std::fprintf(stderr, "\r%s\r", std::string(last_width_, ' ').c_str());
    last_width_ = 0;
}

}  // namespace attnkit_tune
