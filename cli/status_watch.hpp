// `ivory replication status --watch`: the status again every few seconds, as
// a screen redrawn in place on a terminal (a progress bar, bytes, rate and
// time left per table being copied, then the lag) or as plain lines elsewhere.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "replication_report.hpp"

namespace ivory::cli {

// Bytes copied so far per table being copied, and when they were read.
struct WatchSample {
    double seconds = 0; // on a monotonic clock
    std::map<std::string, long long> bytes_copied;
};

WatchSample sample_of(const std::vector<StatusEntry> &entries, double seconds);

// "[#########...........]" `width` characters wide inside the brackets.
std::string progress_bar(double percent, int width);

// A duration for people: "45 s", "3 min 20 s", "2 h 5 min".
std::string human_duration(double seconds);

// The screen for these rows: one line per table being copied with its bar,
// percent, bytes of total and, given the previous sample, its rate and the
// time left; the index being built; how many tables are ready; the lag; and
// every row that is not ok. The rate needs the same table in `previous`.
std::vector<std::string> watch_lines(const std::vector<StatusEntry> &entries,
                                     const std::optional<WatchSample> &previous,
                                     double now_seconds);

} // namespace ivory::cli
