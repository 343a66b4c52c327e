// attnkit-tune: the progress line on the terminal. On a terminal one line is
// redrawn in place (bar, units done of total, the current item, elapsed time
// and ETA); elsewhere (a log, CI) a line is printed per finished item, so logs
// stay readable. The ETA is elapsed / done * remaining, in units of work the
// caller counts (evaluations, weighted by the problem's expected cost).
#pragma once

#include <chrono>
#include <string>

namespace attnkit_tune {

class progress {
public:
    progress(double total_units, bool quiet);
    // Redraws with `done` units finished and `what` the current item.
    void update(double done, const std::string& what);
    // An item finished: a line of its own (kept on the terminal and in logs).
    void finished(const std::string& line);
    void close();

private:
    std::string format_line(const std::string& what) const;
    double total_, done_ = 0;
    bool quiet_, terminal_;
    std::size_t last_width_ = 0;
    std::chrono::steady_clock::time_point start_;
};

// "1m23s", "45s", "2h01m".
std::string format_duration(double seconds);

}  // namespace attnkit_tune
