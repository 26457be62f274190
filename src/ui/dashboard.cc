#include "ui/dashboard.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <list>
#include <memory>

#include <fmt/format.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <nlohmann/json.hpp>

#include "control/protocol.hpp"
#include "ui/model.hpp"
#include "ui/terminal.hpp"
#include "ui/view.hpp"

namespace summon::ui {

namespace {

namespace asio = boost::asio;
using json = nlohmann::json;
using Socket = asio::local::stream_protocol::socket;

constexpr auto frame = std::chrono::microseconds(1'000'000 / 30);  // at most 30 frames a second
// Lines per batch of the live output: a screenful, as tall as the terminal
// was at the start (what scrolls past faster is read back from the history).
constexpr long least_batch = 30;
constexpr long history_lines = 10'000;
constexpr std::size_t failure_lines =
    20;  // of a failed service, said after the end  // per service, what the supervisor keeps

// One request on its own connection, and each reply line as it comes.
class Exchange : public std::enable_shared_from_this<Exchange> {
 public:
  using OnReply = std::function<void(const json&)>;
  using OnEnd = std::function<void()>;

  Exchange(asio::io_context& io, int fd, OnReply on_reply, OnEnd on_end)
      : socket_(io), on_reply_(std::move(on_reply)), on_end_(std::move(on_end)) {
    socket_.assign(asio::local::stream_protocol(), fd);
  }

  void begin(const control::Request& request) {
    out_ = control::request_line(request);
    asio::async_write(socket_, asio::buffer(out_),
                      [self = shared_from_this()](boost::system::error_code error, std::size_t) {
                        if (error) return self->end();
                        self->read();
                      });
  }

  bool done() const { return !on_end_; }

  void stop() {
    on_reply_ = nullptr;
    on_end_ = nullptr;
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

 private:
  void read() {
    socket_.async_read_some(
        asio::buffer(chunk_),
        [self = shared_from_this()](boost::system::error_code error, std::size_t got) {
          if (error) return self->end();
          self->pending_.append(self->chunk_.data(), got);
          std::size_t from = 0;
          for (auto end = self->pending_.find('\n'); end != std::string::npos;
               end = self->pending_.find('\n', from)) {
            auto reply = json::parse(self->pending_.begin() + static_cast<std::ptrdiff_t>(from),
                                     self->pending_.begin() + static_cast<std::ptrdiff_t>(end),
                                     nullptr, false);
            from = end + 1;
            if (!reply.is_discarded() && self->on_reply_) self->on_reply_(reply);
          }
          self->pending_.erase(0, from);
          if (self->on_reply_) self->read();
        });
  }

  void end() {
    if (auto on_end = std::exchange(on_end_, nullptr)) on_end();
  }

  Socket socket_;
  OnReply on_reply_;
  OnEnd on_end_;
  std::string out_, pending_;
  std::array<char, 65536> chunk_{};
};

class Loop {
 public:
  Loop(const std::string& project, Connector& connect, DashboardOptions options)
      : connect_(connect),
        options_(options),
        signals_(io_, SIGINT, SIGTERM, SIGHUP),
        resizes_(io_, SIGWINCH),
        terminal_(options.color),
        input_(io_, ::dup(STDIN_FILENO)),
        frame_timer_(io_),
        model_(project) {}

  DashboardEnd run() {
    signals_.async_wait([this](boost::system::error_code error, int) {
      if (!error) finish({DashboardEnd::quit, {}});
    });
    watch_resizes();
    read_keys();
    control::Request ps;
    ps.command = control::Command::ps;
    ps.follow = true;
    if (!open(
            ps, [this](const json& reply) { on_table(reply); }, [this] { project_ending(false); }))
      return end_;
    control::Request live;
    live.command = control::Command::logs;
    live.follow = true;
    live.lines = std::max<long>(least_batch, terminal_.rows());
    live.every_seconds = std::chrono::duration<double>(frame).count();
    live_open_ = open(
        live, [this](const json& reply) { on_live(reply); }, [this] { project_ending(true); });
    redraw();
    io_.run();
    for (auto& exchange : exchanges_) exchange->stop();
    return end_;
  }

 private:
  // A request on a new connection; false (and the loop ends) if none can be made.
  bool open(const control::Request& request, Exchange::OnReply on_reply, Exchange::OnEnd on_end) {
    auto fd = connect_();
    if (auto* why = std::get_if<std::string>(&fd)) {
      if (request.command == control::Command::ps) {
        finish({DashboardEnd::cannot, *why});
      } else {
        model_.set_status(*why);
        redraw();
      }
      return false;
    }
    exchanges_.remove_if([](const auto& exchange) { return exchange->done(); });
    auto exchange =
        std::make_shared<Exchange>(io_, std::get<int>(fd), std::move(on_reply), std::move(on_end));
    exchanges_.push_back(exchange);
    exchange->begin(request);
    return true;
  }

  void on_table(const json& reply) {
    if (reply.value("ok", false)) {
      model_.set_services(rows_of(reply), Clock::now());
    } else if (reply.contains("error")) {
      model_.set_status(reply["error"].get<std::string>());
    }
    redraw();
  }

  void on_live(const json& reply) {
    if (auto entry = entry_of(reply)) {
      incoming_.push_back(std::move(*entry));
    } else if (auto dropped = reply.find("dropped");
               dropped != reply.end() && dropped->is_number()) {
      model_.skipped(dropped->get<std::uint64_t>());
    }
    // Lines are taken in at the next frame, all at once.
    redraw();
  }

  void fetch_history(const std::string& service) {
    control::Request request;
    request.command = control::Command::logs;
    request.lines = history_lines;
    if (!service.empty()) request.services = {service};
    auto lines = std::make_shared<std::vector<OutputEntry>>();
    open(
        request,
        [lines](const json& reply) {
          if (auto entry = entry_of(reply)) lines->push_back(std::move(*entry));
        },
        [this, lines] {
          model_.add_lines(std::move(*lines));
          redraw();
        });
  }

  void command(control::Command what, const std::string& service) {
    control::Request request;
    request.command = what;
    request.services = {service};
    const std::string done = fmt::format("{} {}", service,
                                         what == control::Command::stop    ? "stopped"
                                         : what == control::Command::start ? "started"
                                                                           : "restarted");
    auto answered = std::make_shared<bool>(false);
    open(
        request,
        [this, done, answered](const json& reply) {
          if (*answered) return;
          *answered = true;
          model_.set_status(reply.value("ok", false) ? done
                                                     : reply.value("error", std::string("failed")));
          redraw();
        },
        [] {});
  }

  void read_keys() {
    input_.async_wait(asio::posix::stream_descriptor::wait_read,
                      [this](boost::system::error_code error) {
                        if (error) return;
                        while (auto key = terminal_.next_key()) {
                          if (*key == 0) continue;
                          act(model_.press(*key));
                          if (over_) return;
                        }
                        redraw();
                        read_keys();
                      });
  }

  void act(const Action& action) {
    switch (action.kind) {
      case Action::none:
        break;
      case Action::quit:
        finish({DashboardEnd::quit, {}});
        break;
      case Action::detach:
        finish({DashboardEnd::detach, {}});
        break;
      case Action::stop:
        command(control::Command::stop, action.service);
        break;
      case Action::start:
        command(control::Command::start, action.service);
        break;
      case Action::restart:
        command(control::Command::restart, action.service);
        break;
      case Action::fetch_history:
        fetch_history(action.service);
        break;
    }
  }

  void watch_resizes() {
    resizes_.async_wait([this](boost::system::error_code error, int) {
      if (error) return;
      terminal_.resized();
      redraw();
      watch_resizes();
    });
  }

  // A frame soon: now if the last one is a frame's time ago, else then.
  void redraw() {
    if (frame_due_ || over_) return;
    frame_due_ = true;
    const auto now = Clock::now();
    frame_timer_.expires_at(std::max(now, last_frame_ + frame));
    frame_timer_.async_wait([this](boost::system::error_code error) {
      frame_due_ = false;
      if (error || over_) return;
      last_frame_ = Clock::now();
      model_.add_lines(std::move(incoming_));
      incoming_.clear();
      draw(model_, terminal_, last_frame_);
      terminal_.show();
    });
  }

  // Both streams end with the project; the output's last lines may come
  // after the table's end, and are waited for (a little).
  void project_ending(bool output) {
    (output ? live_open_ : table_open_) = false;
    if (!table_open_ && !live_open_) {
      model_.add_lines(std::exchange(incoming_, {}));
      finish({DashboardEnd::project_ended, ended_words()});
    } else if (!table_open_) {
      ending_timer_.expires_after(std::chrono::seconds(1));
      ending_timer_.async_wait([this](boost::system::error_code error) {
        if (!error) project_ending(true);
      });
    }
  }

  // What `up` would have left on the terminal: each failed service's reason
  // and last lines (as many as SPEC 3.1's summary), and what was skipped.
  std::string ended_words() const {
    std::string words = fmt::format("summon: {} is no longer up", model_.project());
    if (model_.rows().empty()) return words + " (it ended before the dashboard had its state)";
    for (const auto& row : model_.rows()) {
      if (row.state == "skipped") words += fmt::format("\n{} skipped", row.name);
      if (row.state != "failed") continue;
      words += fmt::format("\n{}: {}", row.name, row.reason);
      const auto tail = model_.last_lines(row.name, failure_lines);
      if (!tail.empty())
        words += fmt::format("\nlast {} line{} of {}:", tail.size(), tail.size() == 1 ? "" : "s",
                             row.name);
      for (const auto* line : tail) words += fmt::format("\n  {} | {}", row.name, line->text);
    }
    return words;
  }

  void finish(DashboardEnd end) {
    if (over_) return;
    over_ = true;
    end_ = std::move(end);
    io_.stop();
  }

  Connector& connect_;
  DashboardOptions options_;
  asio::io_context io_;
  asio::signal_set signals_;  // before the terminal: curses leaves these to us
  asio::signal_set resizes_;
  Terminal terminal_;
  asio::posix::stream_descriptor input_;
  asio::steady_timer frame_timer_;
  Model model_;
  std::vector<OutputEntry> incoming_;
  std::list<std::shared_ptr<Exchange>> exchanges_;
  Clock::time_point last_frame_{};
  bool frame_due_ = false;
  bool table_open_ = true, live_open_ = false;
  asio::steady_timer ending_timer_{io_};
  bool over_ = false;
  DashboardEnd end_;
};

}  // namespace

Dashboard::Dashboard(std::string project, Connector connect, DashboardOptions options)
    : project_(std::move(project)), connect_(std::move(connect)), options_(options) {}

DashboardEnd Dashboard::run() {
  DashboardEnd end;
  try {
    Loop loop(project_, connect_, options_);
    end = loop.run();
  } catch (const std::exception& error) {  // the terminal is back either way
    return {DashboardEnd::no_terminal, error.what()};
  }
  return end;
}

}  // namespace summon::ui
