// Connection: one request, carried out on the loop, answered in JSON lines.
#include "control/connection.hpp"

#include <unistd.h>

#include <cctype>
#include <chrono>

#include <fmt/format.h>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <nlohmann/json.hpp>

#include "control/peer.hpp"
#include "control/server.hpp"
#include "engine/failure.hpp"
#include "engine/state.hpp"
#include "runtime/resource_usage.hpp"
#include "timeline/json.hpp"

namespace summon::control {

namespace {

using engine::State;
using nlohmann::json;

// A `ps` follower hears at least this often, so that uptimes move.
constexpr auto snapshot_interval = std::chrono::seconds(1);

json nullable(const std::optional<long long>& value) {
  return value ? json(*value) : json(nullptr);
}

bool is_back(State state) {
  return state == State::ready || state == State::completed;
}

bool is_down(State state) {
  return state == State::stopped || state == State::completed || state == State::failed ||
         state == State::skipped || state == State::pending;
}

// The picked ports a service is given: those whose number its command, its
// environment or its ready probe names.
json service_ports(const config::PortMap& ports, const config::ServiceSpec& service) {
  json out = json::object();
  for (const auto& [name, number] : ports) {
    const std::string digits = std::to_string(number);
    auto names_it = [&](const std::string& text) {
      for (auto at = text.find(digits); at != std::string::npos; at = text.find(digits, at + 1)) {
        const bool starts = at == 0 || !std::isdigit(static_cast<unsigned char>(text[at - 1]));
        const std::size_t end = at + digits.size();
        const bool ends =
            end == text.size() || !std::isdigit(static_cast<unsigned char>(text[end]));
        if (starts && ends) return true;
      }
      return false;
    };
    bool named = false;
    for (const auto& arg : service.command.argv) named = named || names_it(arg);
    for (const auto& [key, value] : service.env) named = named || names_it(value);
    if (service.ready) {
      if (const auto* tcp = std::get_if<config::TcpProbe>(&service.ready->kind))
        named = named || tcp->port.number == number;
      if (const auto* http = std::get_if<config::HttpProbe>(&service.ready->kind))
        named = named || names_it(http->url);
    }
    if (named) out[name] = number;
  }
  return out;
}

}  // namespace

Connection::Connection(Server& server, boost::asio::local::stream_protocol::socket socket)
    : server_(server), socket_(std::move(socket)), request_(max_message + 1) {}

Connection::~Connection() {
  if (following_) server_.stack().board().unfollow(*following_);
}

void Connection::begin() {
  const auto peer = peer_uid(socket_.native_handle());
  if (!peer || !peer_allowed(*peer, ::geteuid())) {
    server_.refused(peer ? *peer : static_cast<uid_t>(-1));
    finish(error_reply("refused: this project is not yours"));
    return;
  }
  read_request();
}

void Connection::read_request() {
  boost::asio::async_read_until(
      socket_, request_, '\n',
      [self = shared_from_this()](const boost::system::error_code& error, std::size_t size) {
        if (error == boost::asio::error::operation_aborted) return;
        if (error) {
          // Too long (the buffer's bound), or the peer went away before a
          // whole line came.
          if (error == boost::asio::error::not_found)
            self->finish(error_reply(fmt::format("request longer than {} bytes", max_message)));
          else
            self->close();
          return;
        }
        std::string line(boost::asio::buffers_begin(self->request_.data()),
                         boost::asio::buffers_begin(self->request_.data()) +
                             static_cast<std::ptrdiff_t>(size - 1));
        self->request_.consume(size);
        auto parsed = parse_request(line);
        if (auto* why = std::get_if<std::string>(&parsed)) {
          self->finish(error_reply(*why));
          return;
        }
        self->handle(std::get<Request>(parsed));
      });
}

void Connection::handle(const Request& request) {
  switch (request.command) {
    case Command::info: {
      const auto& info = server_.info();
      finish(ok_reply({{"name", info.name},
                       {"file", info.file},
                       {"pid", info.pid},
                       {"run", info.run},
                       {"services", server_.selected().size()},
                       {"ready", server_.ready_count()},
                       {"started_at", info.started_at}}));
      return;
    }
    case Command::ps:
      ps(request);
      return;
    case Command::logs:
    case Command::attach:
      logs(request);
      return;
    case Command::stop:
    case Command::start:
    case Command::restart:
      command(request);
      return;
    case Command::down:
      down(request);
      return;
    case Command::timeline:
      timeline();
      return;
  }
}

std::string Connection::ps_reply() const {
  const auto& project = server_.project();
  const auto statuses = server_.stack().board().statuses();
  const auto now = std::chrono::system_clock::now();
  // Read now, for all at once: one pass over /proc serves every service
  // without a cgroup.
  std::vector<runtime::UsageQuery> queries;
  for (auto i : server_.selected()) queries.push_back({project.services[i].name, statuses[i].pid});
  const auto usage = runtime::usage_of(server_.stack().cgroups(), queries);
  json services = json::array();
  for (std::size_t k = 0; k < server_.selected().size(); ++k) {
    const auto i = server_.selected()[k];
    const auto& status = statuses[i];
    std::optional<long long> uptime, ready_ms;
    if (status.running_since)
      uptime = std::chrono::duration_cast<std::chrono::milliseconds>(now - *status.running_since)
                   .count();
    if (status.ready_in)
      ready_ms = std::chrono::duration_cast<std::chrono::milliseconds>(*status.ready_in).count();
    services.push_back(
        {{"name", project.services[i].name},
         {"state", engine::state_name(status.state)},
         {"pid", status.pid ? json(*status.pid) : json(nullptr)},
         {"since", rfc3339(status.since)},
         {"uptime_ms", nullable(uptime)},
         {"restarts", status.restarts},
         {"ready_ms", nullable(ready_ms)},
         {"cpu_ms", usage[k]
                        ? json(std::chrono::duration<double, std::milli>(usage[k]->cpu).count())
                        : json(nullptr)},
         {"memory_bytes", usage[k] ? json(usage[k]->memory_bytes) : json(nullptr)},
         {"ports", service_ports(server_.stack().ports(), project.services[i])},
         {"reason", status.reason.empty() ? json(nullptr) : json(status.reason)}});
  }
  return ok_reply({{"project", project.name}, {"services", services}});
}

void Connection::ps(const Request& request) {
  if (!request.follow) {
    finish(ps_reply());
    return;
  }
  ps_following_ = true;
  snapshot_timer_.emplace(server_.stack().io());
  send_snapshot();
  wait_for_hangup();
}

// Whatever else this turn of the loop reports (a teardown, a restart's
// stop and start) goes into the same snapshot.
void Connection::snapshot_soon() {
  if (snapshot_posted_ || closing_) return;
  snapshot_posted_ = true;
  boost::asio::post(socket_.get_executor(), [self = shared_from_this()] {
    self->snapshot_posted_ = false;
    if (self->socket_.is_open() && !self->closing_) self->send_snapshot();
  });
}

void Connection::send_snapshot() {
  std::string reply = ps_reply();
  // One still waiting to be written is out of date: the new one takes its
  // place, so a reader that does not keep up costs one snapshot, not a backlog.
  if (queue_.size() > in_flight_) {
    queued_bytes_ = queued_bytes_ - queue_.back().size() + reply.size();
    queue_.back() = std::move(reply);
  } else {
    send(std::move(reply));
  }
  snapshot_timer_->expires_after(snapshot_interval);
  snapshot_timer_->async_wait([self = shared_from_this()](const boost::system::error_code& error) {
    if (!error && self->socket_.is_open() && !self->closing_) self->send_snapshot();
  });
}

void Connection::logs(const Request& request) {
  auto named = server_.services_named(request.services);
  if (auto* why = std::get_if<std::string>(&named)) {
    finish(error_reply(*why));
    return;
  }
  const auto& indices = std::get<std::vector<graph::ServiceIndex>>(named);
  std::vector<bool> wanted(server_.project().services.size(), indices.empty());
  for (auto i : indices) wanted[i] = true;
  std::optional<runtime::WallTime> since;
  if (request.since_seconds)
    since = std::chrono::system_clock::now() -
            std::chrono::duration_cast<std::chrono::system_clock::duration>(
                std::chrono::duration<double>(*request.since_seconds));
  std::optional<std::size_t> last;
  if (request.lines) last = static_cast<std::size_t>(*request.lines);
  // `attach` follows from now on, as a terminal would have shown it.
  if (request.command != Command::attach)
    for (const auto& line : server_.stack().board().lines(wanted, last, since)) send_line(line);
  attached_ = request.command == Command::attach;
  if (attached_) {
    on_own_line(fmt::format("attached to {} ({} of {} ready): Ctrl-C detaches",
                            server_.project().name, server_.ready_count(),
                            server_.selected().size()));
  }
  if (!request.follow && !attached_) {
    finish(ok_reply());
    return;
  }
  if (request.every_seconds) {
    batching_.emplace(Batching{
        wanted, std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                    std::chrono::duration<double>(*request.every_seconds)),
        last.value_or(default_batch), server_.stack().board().last_number(), 0, false,
        boost::asio::steady_timer(socket_.get_executor())});
    following_ = server_.stack().board().follow([this](const runtime::TimedLine& line) {
      if (!batching_->wanted[line.service]) return;
      ++batching_->unsent;
      batch_soon();
    });
  } else {
    following_ = server_.stack().board().follow(
        [this, wanted = std::move(wanted)](const runtime::TimedLine& line) {
          if (wanted[line.service]) send_line(line);
        });
  }
  wait_for_hangup();
}

void Connection::batch_soon() {
  if (batching_->due) return;
  batching_->due = true;
  batching_->timer.expires_after(batching_->every);
  batching_->timer.async_wait([self = shared_from_this()](boost::system::error_code error) {
    if (!error && self->batching_ && !self->closing_) self->send_batch();
  });
}

// What came since the last batch: its newest lines, after the count of the
// older ones passed over.
void Connection::send_batch() {
  auto& batch = *batching_;
  batch.due = false;
  // A reader that does not read holds its queue's bound and no more: what
  // comes meanwhile is counted, and the newest of it sent once it reads.
  if (queued_bytes_ > max_queued) {
    batch_soon();
    return;
  }
  auto lines = server_.stack().board().newest(batch.wanted, batch.sent_through, batch.most);
  if (batch.unsent > lines.size()) send(json_line({{"dropped", batch.unsent - lines.size()}}));
  for (const auto& line : lines) send_line(line);
  batch.sent_through = server_.stack().board().last_number();
  batch.unsent = 0;
}

void Connection::command(const Request& request) {
  auto named = server_.services_named(request.services);
  if (auto* why = std::get_if<std::string>(&named)) {
    finish(error_reply(*why));
    return;
  }
  auto indices = std::get<std::vector<graph::ServiceIndex>>(named);
  if (indices.empty()) {
    finish(error_reply(
        fmt::format("{} what? name one service or more", command_name(request.command))));
    return;
  }
  const auto which = request.command;
  server_.stack().post([self = shared_from_this(), which, indices](engine::Engine& engine) {
    // Which it waits for is settled before the engine is told: a command
    // may report changes at once.
    self->awaiting_ = which == Command::stop ? Awaiting::stopped : Awaiting::back;
    for (auto i : indices) {
      const State state = engine.state(i);
      const bool already = which == Command::stop ? is_down(state)
                           : which == Command::start
                               ? state == State::ready || state == State::unhealthy
                               : false;
      if (!already) self->awaited_.insert(i);
    }
    for (auto i : indices) {
      if (which == Command::stop)
        engine.stop(i);
      else if (which == Command::start)
        engine.start(i);
      else
        engine.restart(i);
    }
    if (self->awaited_.empty()) self->done_waiting(std::nullopt);
  });
}

void Connection::on_change(const engine::StateChange& change) {
  if (ps_following_) snapshot_soon();
  if (awaiting_ == Awaiting::nothing || !awaited_.contains(change.service)) return;
  if (awaiting_ == Awaiting::back && change.to == State::failed) {
    done_waiting(
        fmt::format("{}: {}", server_.project().services[change.service].name, change.reason));
    return;
  }
  const bool got_there = awaiting_ == Awaiting::stopped ? is_down(change.to) : is_back(change.to);
  if (!got_there) return;
  awaited_.erase(change.service);
  if (awaited_.empty()) done_waiting(std::nullopt);
}

void Connection::done_waiting(std::optional<std::string> error) {
  awaiting_ = Awaiting::nothing;
  awaited_.clear();
  finish(error ? error_reply(*error) : ok_reply());
}

void Connection::down(const Request& request) {
  if (request.timeout_seconds) {
    down_timer_.emplace(server_.stack().io());
    down_timer_->expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(*request.timeout_seconds)));
    down_timer_->async_wait([self = shared_from_this()](const boost::system::error_code& error) {
      if (!error) self->server_.stack().post([](engine::Engine& engine) { engine.kill_all(); });
    });
  }
  send(ok_reply());
  server_.stack().post([](engine::Engine& engine) { engine.shut_down(); });
  // Held open until the run is over (on_done): its end is the answer.
  wait_for_hangup();
}

// Nothing more is asked on a connection that follows or waits: whatever
// comes is ignored, and its end (the peer went away) closes it.
void Connection::wait_for_hangup() {
  socket_.async_read_some(
      boost::asio::buffer(ignored_),
      [self = shared_from_this()](const boost::system::error_code& error, std::size_t) {
        if (error == boost::asio::error::operation_aborted) return;
        if (error)
          self->close();
        else
          self->wait_for_hangup();
      });
}

void Connection::on_done() {
  if (down_timer_) down_timer_->cancel();
  if (snapshot_timer_) snapshot_timer_->cancel();
  if (awaiting_ != Awaiting::nothing) {
    done_waiting("the project was torn down before it was done");
    return;
  }
  if (following_) {
    server_.stack().board().unfollow(*following_);
    following_.reset();
  }
  if (batching_ && batching_->due) {
    batching_->timer.cancel();
    send_batch();
  }
  closing_ = true;
  if (!writing_) close();
}

void Connection::on_own_line(const std::string& text) {
  if (!attached_ || closing_) return;
  if (lose_if_full()) return;
  send(json_line({{"event", {{"at", rfc3339(std::chrono::system_clock::now())}, {"text", text}}}}));
}

void Connection::send_line(const runtime::TimedLine& line) {
  if (lose_if_full()) return;
  send(json_line({{"line",
                   {{"service", server_.project().services[line.service].name},
                    {"stream", runtime::stream_name(line.stream)},
                    {"at", rfc3339(line.at)},
                    {"n", line.number},
                    {"text", line.text}}}}));
}

// A follower's queue past its bound loses what comes, and counts it.
bool Connection::lose_if_full() {
  if (queued_bytes_ <= max_queued) return false;
  ++dropped_;
  return true;
}

void Connection::send(std::string message) {
  queued_bytes_ += message.size();
  queue_.push_back(std::move(message));
  write_next();
}

void Connection::finish(std::string last) {
  send(std::move(last));
  closing_ = true;
}

void Connection::write_next() {
  if (writing_ || !socket_.is_open()) return;
  if (queue_.empty()) {
    if (dropped_ > 0) {
      queue_.push_back(json_line({{"dropped", dropped_}}));
      queued_bytes_ += queue_.back().size();
      dropped_ = 0;
    } else {
      if (closing_) close();
      return;
    }
  }
  // Many lines to one write: a follower of a flood costs a system call per
  // batch, not per line.
  std::vector<boost::asio::const_buffer> batch;
  std::size_t bytes = 0;
  for (const auto& message : queue_) {
    if (batch.size() == max_batch || (bytes > 0 && bytes + message.size() > max_batch_bytes)) break;
    batch.emplace_back(boost::asio::buffer(message));
    bytes += message.size();
  }
  writing_ = true;
  in_flight_ = batch.size();
  boost::asio::async_write(socket_, batch,
                           [self = shared_from_this(), count = batch.size()](
                               const boost::system::error_code& error, std::size_t) {
                             self->writing_ = false;
                             self->in_flight_ = 0;
                             if (error) {
                               self->close();
                               return;
                             }
                             for (std::size_t k = 0; k < count; ++k) {
                               self->queued_bytes_ -= self->queue_.front().size();
                               self->queue_.pop_front();
                             }
                             self->write_next();
                           });
}

void Connection::close() {
  if (following_) {
    server_.stack().board().unfollow(*following_);
    following_.reset();
  }
  if (batching_) batching_->timer.cancel();
  if (snapshot_timer_) snapshot_timer_->cancel();
  boost::system::error_code ignored;
  socket_.close(ignored);
  awaiting_ = Awaiting::nothing;
  server_.forget(this);
}

// The last bring-up, as the timeline schema has it (SPEC 2.3).
void Connection::timeline() {
  finish(ok_reply({{"timeline", timeline::to_json(server_.stack().timeline())}}));
}

}  // namespace summon::control
