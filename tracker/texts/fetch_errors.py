"""What each kind of failed fetch means and what to do (``tracker.fetch_errors``), by kind.

Shown on the Data status page beside the original message, which stays as the source or server wrote it. Each
text opens with a short name of the kind; config keys and commands are in backticks (typed as shown).
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "split": {
        "en": "Not a failure: the answer was too large for one request, so it was replaced by smaller requests "
        "that fetched the same data. Nothing to do.",
        "zh": "并非故障：该请求的回答超出单次上限，已自动拆分为若干较小的请求并取回同样的数据。无需处理。",
    },
    "interrupted": {
        "en": "Stopped: the fetch was stopped (`Ctrl+C`, or the scheduler shutting down) before this request "
        "finished. Nothing stored was lost; the next fetch asks again.",
        "zh": "已中止：抓取在该请求完成前被停止（按下 `Ctrl+C`，或调度器关闭）。已存数据不受影响，下次抓取会重新请求。",
    },
    "rate_limit": {
        "en": "Too many requests (HTTP 429): the source refused more requests for now, also on every retry. "
        "Fetch again later, or lower this source's `requests_per_minute` in `config/sources.toml`.",
        "zh": "请求过于频繁（HTTP 429）：数据源暂时拒绝更多请求，多次重试后仍被拒绝。请稍后再抓取，或在 "
        "`config/sources.toml` 中调低该数据源的 `requests_per_minute`。",
    },
    "server_error": {
        "en": "Server error (HTTP 500–599): the source's server failed, also on every retry. The fault is on the "
        "source's side: fetch again later.",
        "zh": "服务器错误（HTTP 500–599）：数据源服务器出错，多次重试均失败。问题在数据源一方，请稍后再抓取。",
    },
    "source_deadline": {
        "en": "Time limit of the source: its part of the fetch ran past `source_deadline_seconds`, so its "
        "unfinished requests were stopped. Fetch again (requests that succeeded are skipped), or raise "
        "`source_deadline_seconds` in `config/sources.toml`.",
        "zh": "超出数据源时限：该数据源本次抓取超过 `source_deadline_seconds`，未完成的请求已停止。请再次抓取"
        "（已成功的请求会跳过），或在 `config/sources.toml` 中调大 `source_deadline_seconds`。",
    },
    "timeout": {
        "en": "Timeout: the server did not answer in time, also on the retries, or the request ran past its "
        "deadline. Usually temporary: fetch again later. For a source that is always slow, raise "
        "`read_timeout_seconds` or `request_deadline_seconds` in `config/sources.toml`.",
        "zh": "请求超时：服务器未在规定时间内应答，重试后仍然如此，或请求超过了时限。通常是暂时的，请稍后再抓取；"
        "若数据源一贯较慢，可在 `config/sources.toml` 中调大 `read_timeout_seconds` 或 `request_deadline_seconds`。",
    },
    "connection": {
        "en": "Network problem: the server could not be reached or broke off the connection, also on the "
        "retries. Check the internet connection (and proxy), then fetch again.",
        "zh": "网络问题：无法连接服务器，或连接中途断开，重试后仍然失败。请检查网络连接（及代理设置）后再抓取。",
    },
    "daily_limit": {
        "en": "Daily request limit reached: the tracker sent this source its `requests_per_day` for today and "
        "stopped. The count starts again the next day; fetch again then.",
        "zh": "已达每日请求上限：今天已向该数据源发送了 `requests_per_day` 设定的请求数，不再继续。次日重新计数，"
        "届时再抓取即可。",
    },
    "api_key": {
        "en": "Access refused (HTTP 401 or 403): the API key is missing, wrong or expired, or has no access to "
        "this data. Set the key in the environment variable named by `api_key_env` in `config/sources.toml`; "
        "`api_key_url` there names the page that issues free keys.",
        "zh": "访问被拒绝（HTTP 401 或 403）：API 密钥缺失、错误或已过期，或无权访问这些数据。请在 "
        "`config/sources.toml` 中 `api_key_env` 所指定的环境变量里设置密钥；免费密钥的申请页面见同一文件的 "
        "`api_key_url`。",
    },
    "bad_request": {
        "en": "Query refused (HTTP 400, 404 and the like): the source does not accept the query as asked (a "
        "code, year or parameter it does not know, or an address that changed). Check the original message; "
        "if the settings are right, report it.",
        "zh": "查询被拒绝（HTTP 400、404 等）：数据源不接受所提交的查询（编码、年份或参数不被识别，或接口地址已变更）。"
        "请查看原始信息；若设置无误，请报告此问题。",
    },
    "redirect": {
        "en": "Redirect not followed: the server sent the request elsewhere (to another host with the API key "
        "in the address, or round in a loop), and the tracker did not follow, to protect the key. Check "
        "`base_url` in `config/sources.toml`.",
        "zh": "未跟随重定向：服务器把请求转往别处（带着 API 密钥转往其他主机，或循环重定向），为保护密钥未予跟随。"
        "请检查 `config/sources.toml` 中的 `base_url`。",
    },
    "too_large": {
        "en": "Answer too large: it is bigger than the tracker's limits allow (body size, or pages to follow), "
        "so it was not read. If the source really sends that much, raise `max_body_megabytes` in "
        "`config/sources.toml`; otherwise report it.",
        "zh": "回答过大：超出了程序允许的上限（数据量或需继续请求的页数），未予读取。若数据源确实返回这么多数据，"
        "可在 `config/sources.toml` 中调大 `max_body_megabytes`；否则请报告此问题。",
    },
    "quarantine": {
        "en": "Too many malformed rows: more of the answer's records than allowed could not be read, so the "
        "whole answer was refused and nothing was written. The source may have changed its format: report it "
        "with the original message.",
        "zh": "异常记录过多：回答中无法读取的记录超过允许比例，整份回答被拒收，未写入任何数据。数据源可能更改了格式，"
        "请附上原始信息报告此问题。",
    },
    "disk_full": {
        "en": "Disk full: a write or download was refused because the disk has too little free space. Nothing "
        "stored was changed; free some space, then fetch again.",
        "zh": "磁盘空间不足：磁盘剩余空间不够，写入或下载被拒绝。已存数据未改变；请释放空间后再抓取。",
    },
    "store_write": {
        "en": "Write refused: the operating system refused to write to the data folder (read-only, or no "
        "permission). Nothing stored was changed; check the data folder, then fetch again.",
        "zh": "写入失败：操作系统拒绝写入数据文件夹（只读或没有权限）。已存数据未改变；请检查数据文件夹后再抓取。",
    },
    "store_locked": {
        "en": "Data folder busy: another process (a fetch, an import or the scheduler) was writing to it, and "
        "the wait ran out. Fetch again once it has finished.",
        "zh": "数据文件夹被占用：另一进程（抓取、导入或调度器）正在写入，等待超时。请待其完成后再抓取。",
    },
    "store_damaged": {
        "en": "Damaged store: a table's pointer or data file cannot be read. Run `python -m tracker store check`, "
        "then `python -m tracker store repair`.",
        "zh": "数据库已损坏：某个数据表的指针或数据文件无法读取。请运行 `python -m tracker store check`，再运行 "
        "`python -m tracker store repair`。",
    },
    "api_error": {
        "en": "Error from the source: it answered with an error message instead of data (often a parameter it "
        "does not accept, or a passing fault on its side). The original message quotes it; fetch again later, "
        "and report it if it stays.",
        "zh": "数据源报错：数据源返回了错误说明而不是数据（多为参数不被接受，或其一方的临时故障）。原始信息中引用了"
        "该说明；请稍后再抓取，若持续出现请报告。",
    },
    "no_data": {
        "en": "No data yet: the source does not publish what was asked for yet (a release or an exchange rate "
        "for the period). Usually nothing to do: a later fetch gets it once it is published.",
        "zh": "暂无数据：数据源尚未发布所请求的内容（某个数据版本或该期间的汇率）。通常无需处理，"
        "发布后再次抓取即可取得。",
    },
    "malformed": {
        "en": "Answer unreadable: it is not in the format the source promises (an HTML error page, a body cut "
        "short or changed). Often temporary: fetch again later. If it stays, the source may have changed its "
        "format: report it with the original message.",
        "zh": "回答无法读取：格式与数据源约定的不符（如 HTML 错误页、内容被截断或格式已变）。常为暂时现象，"
        "请稍后再抓取；若持续出现，数据源可能更改了格式，请附上原始信息报告此问题。",
    },
    "config": {
        "en": "Setting to correct: a config file, a country code or a command-line option asks for something "
        "the source cannot do. The original message names the file or option and what is expected.",
        "zh": "设置有误：配置文件、国家代码或命令行参数提出了数据源无法满足的要求。原始信息中写明了文件或参数，"
        "以及应填写的内容。",
    },
    "internal": {
        "en": "Internal error: something unexpected inside the tracker (a bug, not a problem of the source). "
        "Please report it with the original message; the log holds the details.",
        "zh": "程序内部错误：程序内部出现意外（属程序缺陷，而非数据源的问题）。请附上原始信息报告此问题；"
        "日志中有详细记录。",
    },
    "other": {
        "en": "Other error: the original message says what happened. Fetch again, and report it if it stays.",
        "zh": "其他错误：具体情况见原始信息。请再次抓取，若持续出现请报告。",
    },
}
