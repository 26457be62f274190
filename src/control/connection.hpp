// One client of the control socket: its peer checked, its one request read
// and carried out, its replies queued and written in order. A follower of
// the output (`logs -f`) holds at most max_queued bytes; past that, lines
// are dropped and counted, and the count is sent once the queue drains. One
// that asked for batches (`"every"`, the dashboard) gets at most one batch
// per period, of the newest lines, and a count of those it skipped. A
// follower of `ps` holds at most one snapshot besides the one being written:
// a newer one replaces it.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>

#include "control/protocol.hpp"
#include "engine/observer.hpp"
#include "runtime/status_board.hpp"

namespace summon::control {

class Server;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  static constexpr std::size_t max_queued = 4 << 20;
  static constexpr std::size_t max_batch = 512;  // messages per write (IOV_MAX is 1024)
  static constexpr std::size_t max_batch_bytes = 256 << 10;
  static constexpr std::size_t default_batch = 1000;  // lines, for "every" without "lines"

  Connection(Server& server, boost::asio::local::stream_protocol::socket socket);
  ~Connection();

  /// Checks the peer and reads its request.
  void begin();
  /// What the engine reported; the connection may be waiting for it, or
  /// following `ps`.
  void on_change(const engine::StateChange& change);
  /// One of summon's own lines, as the terminal of `up` shows it.
  void on_own_line(const std::string& text);
  /// The run is over: says so to whoever still waits, and closes.
  void on_done();
  /// The server is going: closes at once, and never reaches back to it.
  void abandon() { close(); }

 private:
  enum class Awaiting { nothing, stopped, back };

  void read_request();
  void handle(const Request& request);
  void ps(const Request& request);
  std::string ps_reply() const;
  void snapshot_soon();
  void send_snapshot();
  void logs(const Request& request);
  void command(const Request& request);
  void down(const Request& request);
  void timeline();
  void done_waiting(std::optional<std::string> error);
  void wait_for_hangup();
  void batch_soon();
  void send_batch();

  bool lose_if_full();
  void send(std::string message);
  void send_line(const runtime::TimedLine& line);
  void finish(std::string last);  // sends it, then closes
  void write_next();
  void close();

  Server& server_;
  boost::asio::local::stream_protocol::socket socket_;
  boost::asio::streambuf request_;
  std::array<char, 256> ignored_{};
  std::deque<std::string> queue_;
  std::size_t in_flight_ = 0;  // how many of queue_'s first messages are being written
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool closing_ = false;  // close once the queue is written
  std::uint64_t dropped_ = 0;
  std::optional<std::uint64_t> following_;  // the board's follower id
  bool attached_ = false;                   // `attach`: summon's own lines too
  Awaiting awaiting_ = Awaiting::nothing;
  std::set<graph::ServiceIndex> awaited_;
  std::optional<boost::asio::steady_timer> down_timer_;
  struct Batching {
    std::vector<bool> wanted;
    std::chrono::steady_clock::duration every{};
    std::size_t most = 0;           // lines per batch
    std::uint64_t sent_through = 0;  // the number of the last line sent or passed over
    std::uint64_t unsent = 0;       // wanted lines since
    bool due = false;               // the timer runs
    boost::asio::steady_timer timer;
  };
  std::optional<Batching> batching_;
  // `ps` with "follow": a snapshot is posted (one per turn of the loop), and
  // the timer sends one when a second has gone by without any.
  bool ps_following_ = false;
  bool snapshot_posted_ = false;
  std::optional<boost::asio::steady_timer> snapshot_timer_;
};

}  // namespace summon::control
