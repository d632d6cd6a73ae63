"""The app's texts: page titles, labels, help, empty states and column names, by key (``tracker.ui.i18n.t``).

``{usd}`` and ``{pp}`` in a text are the language's units (filled by ``t``); other ``{fields}`` are named by
the caller. Formats shared with the reports (months, list separators) are in ``tracker.texts.common``.
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    # --- frame and navigation
    "app_title": {"en": "Export market tracker", "zh": "出口市场监测"},
    "language": {"en": "Language", "zh": "语言"},
    "page_overview": {"en": "Overview", "zh": "总览"},
    "page_group": {"en": "Product group", "zh": "产品组"},
    "page_market": {"en": "Market", "zh": "市场"},
    "page_competitors": {"en": "Competitors", "zh": "竞争对手"},
    "page_ecommerce": {"en": "Cross-border e-commerce", "zh": "跨境电商"},
    "page_opportunities": {"en": "Opportunities", "zh": "市场机会"},
    "page_downloads": {"en": "Data & downloads", "zh": "数据与下载"},
    "page_status": {"en": "Data status", "zh": "数据状态"},
    "page_reports": {"en": "Reports & alerts", "zh": "报告与预警"},
    "alerts": {"en": "Alerts", "zh": "预警"},
    "no_alerts": {
        "en": "No alerts yet. They are raised after each metrics refresh by the scheduler, or by "
        "`python -m tracker alerts`, from the rules in config/alerts.toml.",
        "zh": "暂无预警。调度器每次刷新指标后或运行 `python -m tracker alerts` 时，"
        "按 `config/alerts.toml` 的规则生成预警。",
    },
    "reports": {"en": "Reports", "zh": "报告"},
    "no_reports": {
        "en": "No reports yet. Write one with `python -m tracker report --group toys --period 2025 --lang en "
        "--format html`; the scheduler writes monthly and annual ones.",
        "zh": "暂无报告。可运行 `python -m tracker report --group toys --period 2025 --lang zh --format html` 生成；"
        "调度器会按月和按年自动生成。",
    },
    "report_pick": {"en": "Report to read", "zh": "选择报告"},
    "report_download": {"en": "Download this report", "zh": "下载此报告"},
    "report_changed": {
        "en": "This report changed after the tracker wrote it, so it is not shown. Write it again with "
        "`python -m tracker report`.",
        "zh": "该报告在写入后被改动，因此不予显示。请用 `python -m tracker report` 重新生成。",
    },
    "report_period": {"en": "Period", "zh": "期间"},
    "report_format": {"en": "Format", "zh": "格式"},
    "report_size_kb": {"en": "Size (KB)", "zh": "大小（KB）"},
    "report_written": {"en": "Written (UTC)", "zh": "写入时间（UTC）"},
    "all_groups": {"en": "All product groups", "zh": "全部产品组"},
    "alert_first_seen": {"en": "First seen (UTC)", "zh": "首次发现（UTC）"},
    "alert_last_seen": {"en": "Last seen (UTC)", "zh": "最近发现（UTC）"},
    "alert_severity": {"en": "Severity", "zh": "级别"},
    "alert_rule": {"en": "Rule", "zh": "规则"},
    "alert_group": {"en": "Product group", "zh": "产品组"},
    "alert_subject": {"en": "Subject", "zh": "对象"},
    "alert_market": {"en": "Market", "zh": "市场"},
    "alert_period": {"en": "Period", "zh": "期间"},
    "alert_message": {"en": "Message", "zh": "内容"},
    "alert_value": {"en": "Value", "zh": "数值"},
    "alert_threshold": {"en": "Threshold", "zh": "阈值"},
    "alert_sample": {"en": "Sample data", "zh": "样例数据"},
    "alert_count": {"en": "Alerts", "zh": "预警数"},
    "alert_usd_at_stake": {"en": "At stake ({usd})", "zh": "涉及金额（{usd}）"},
    "severity_warning": {"en": "Warning", "zh": "警告"},
    "severity_info": {"en": "Info", "zh": "提示"},
    "sample_banner": {
        "en": "Sample data: the numbers shown are generated for demonstration, not real trade statistics. "
        "Run `python -m tracker fetch` to load real public data, no key needed: {requests} requests, about "
        "{minutes} minutes at the sources' limits (`python -m tracker fetch --plan` shows the plan).",
        "zh": "样例数据：所示数字为演示生成，并非真实贸易统计。运行 `python -m tracker fetch` 即可载入真实公开数据，"
        "无需密钥：共 {requests} 个请求，按各数据源的限速约需 {minutes} 分钟（`python -m tracker fetch --plan` "
        "可查看计划）。",
    },
    # --- status page
    "tables": {"en": "Tables", "zh": "数据表"},
    "sources": {"en": "Sources", "zh": "数据来源"},
    "no_data": {
        "en": "The store is empty. Run `python -m tracker sample` or `python -m tracker fetch`.",
        "zh": "数据库为空。请运行 `python -m tracker sample` 或 `python -m tracker fetch`。",
    },
    "store_location": {"en": "Store", "zh": "存储位置"},
    "fetch_plan": {"en": "What a fetch would send now", "zh": "抓取计划：现在抓取将发送的请求"},
    "fetch_plan_help": {
        "en": "Requests `python -m tracker fetch` would send now, per source; requests that succeeded in the last "
        "30 days are skipped as fresh, except those covering the current or previous year. Minutes: the time at "
        "each source's configured limits, sources one after another. `python -m tracker fetch --plan` prints the "
        "same.",
        "zh": "按数据源列出 `python -m tracker fetch` 现在将发送的请求；近 30 天内成功的请求视为最新而跳过"
        "（涉及当年或上一年的除外）。分钟数：按各数据源配置的限速依次运行所需的时间。"
        "`python -m tracker fetch --plan` 输出相同内容。",
    },
    "fetch_plan_done": {"en": "Nothing left to fetch: every request is fresh.",
                        "zh": "无需抓取：所有请求均为最新。"},
    "fetch_plan_left_out": {
        "en": "{source} is not in the default fetch without its key (`{key_env}`); a free key: `{key_url}`. "
        "Name it to fetch it anyway: `python -m tracker fetch --source {source_id}`.",
        "zh": "未设置密钥（`{key_env}`）时，默认抓取不包括{source}；免费申请密钥：`{key_url}`。"
        "如仍要抓取，请指定：`python -m tracker fetch --source {source_id}`。",
    },
    "col_requests": {"en": "Requests to send", "zh": "待发送请求"},
    "col_fresh": {"en": "Fresh (skipped)", "zh": "已是最新（跳过）"},
    "col_minutes": {"en": "Minutes at the limits", "zh": "按限速所需分钟"},
    "col_at_most": {"en": "At most, with follow-ups", "zh": "含后续请求的上限"},
    "baci_release": {"en": "BACI in the store: HS revision {revision}, version {version}, years {years}.",
                     "zh": "已存储的 BACI 数据：HS 版本 {revision}，数据版本 {version}，年份 {years}。"},
    "baci_none": {
        "en": "No BACI release in the store yet: `python -m tracker fetch --source baci` downloads the newest one "
              "(or `python -m tracker import baci PATH` imports a zip you have).",
        "zh": "尚未存储 BACI 数据：运行 `python -m tracker fetch --source baci` 下载最新版本"
              "（已有压缩包时可用 `python -m tracker import baci PATH` 导入）。",
    },
    "groups_configured": {"en": "Configured product groups", "zh": "已配置的产品组"},
    "coverage": {"en": "Coverage of the latest year", "zh": "最新年度的覆盖情况"},
    "coverage_help": {
        "en": "The latest year arrives late and not every reporter has reported yet: a ✓ means the country "
        "reported that year (any flow, any source). Values of missing reporters fall back to mirror data.",
        "zh": "最新年度的数据发布较晚，并非所有申报国都已申报：✓ 表示该国已申报该年度数据（任意流向、任意来源）。"
        "缺失申报国的数值以镜像数据替代。",
    },
    "metric_tables": {"en": "Metric tables", "zh": "指标表"},
    "reported": {"en": "Reported", "zh": "已申报"},
    "reporter": {"en": "Reporter", "zh": "申报国"},
    "last_period": {"en": "Last period", "zh": "最新期间"},
    # --- missing data / empty states
    "store_failure_table": {
        "en": "The table `{table}` in the data store cannot be read, so this page cannot be shown, nor any other page "
        "that reads it. On the server, run `python -m tracker store check` to find the damaged file and what to do.",
        "zh": "数据存储中的数据表 `{table}` 无法读取，因此本页及所有读取该表的页面都无法显示。"
        "请在服务器上运行 `python -m tracker store check`，查看损坏的文件及处理方法。",
    },
    "store_failure_metric": {
        "en": "The metric table `{table}` cannot be read, so this page cannot be shown, nor any other page that reads "
        "it. It is computed from the stored data: on the server, run `python -m tracker metrics --force` to rebuild "
        "it, then reload.",
        "zh": "指标表 `{table}` 无法读取，因此本页及所有读取该表的页面都无法显示。该表由已存储的数据计算得出："
        "请在服务器上运行 `python -m tracker metrics --force` 重新计算，然后刷新页面。",
    },
    "store_failure": {
        "en": "The data store cannot be read, so this page cannot be shown. On the server, run "
        "`python -m tracker store check` to find the damaged file and what to do.",
        "zh": "数据存储无法读取，因此本页无法显示。"
        "请在服务器上运行 `python -m tracker store check`，查看损坏的文件及处理方法。",
    },
    "metrics_missing": {
        "en": "Metric tables are missing. Run `python -m tracker metrics` to compute them, then reload.",
        "zh": "缺少指标表。请运行 `python -m tracker metrics` 计算指标，然后刷新页面。",
    },
    "table_missing": {
        "en": "The table `{table}` has not been computed yet (run `python -m tracker metrics`).",
        "zh": "数据表 `{table}` 尚未计算（请运行 `python -m tracker metrics`）。",
    },
    "no_rows": {"en": "No data for {what} in {years} yet.", "zh": "{what} 在 {years} 暂无数据。"},
    "no_rows_simple": {"en": "No data for this selection yet.", "zh": "该选择暂无数据。"},
    "no_ecommerce": {
        "en": "No e-commerce survey data for {market}: the Eurostat survey covers EU countries only.",
        "zh": "{market} 没有电商调查数据：欧盟统计局的调查仅覆盖欧盟国家。",
    },
    # --- filters
    "filters": {"en": "Filters", "zh": "筛选"},
    "group": {"en": "Product group", "zh": "产品组"},
    "exporter": {"en": "Exporter", "zh": "出口国"},
    "market": {"en": "Market", "zh": "市场"},
    "markets": {"en": "Markets", "zh": "市场"},
    "choose": {"en": "Choose…", "zh": "请选择…"},
    "markets_all": {"en": "All markets when empty", "zh": "留空表示全部市场"},
    "years": {"en": "Years", "zh": "年份"},
    "year": {"en": "Year", "zh": "年份"},
    "year_from": {"en": "From", "zh": "起始年份"},
    "year_to": {"en": "To", "zh": "截止年份"},
    "sort_by": {"en": "Sort by", "zh": "排序"},
    "years_malformed": {  # the text asked for is not repeated: it could be anything, Markdown included
        "en": "The years in the address are not a year or a range like 2020-2025: showing {shown}.",
        "zh": "网址中的年份不是单个年份或 2020-2025 这样的区间：改为显示 {shown}。",
    },
    "years_outside": {
        "en": "The address asked for years {asked}, but the data covers {low}–{high}: showing {shown}.",
        "zh": "网址中的年份 {asked} 超出数据范围（{low}–{high}）：改为显示 {shown}。",
    },
    "years_clamped": {
        "en": "The address asked for years {asked}; the data covers {low}–{high}, so {shown} is shown.",
        "zh": "网址中的年份为 {asked}；数据范围为 {low}–{high}，因此显示 {shown}。",
    },
    "table_rows": {"en": "Rows", "zh": "行"},
    "flow": {"en": "Trade flow", "zh": "贸易流向"},
    "flow_import": {"en": "Imports (market's report)", "zh": "进口（市场申报）"},
    "flow_export": {"en": "Exports (exporter's report)", "zh": "出口（出口国申报）"},
    "basis": {"en": "Data basis", "zh": "数据口径"},
    "basis_all": {"en": "Reported, mirror fallback", "zh": "申报数据，缺失时用镜像"},
    "basis_reported": {"en": "Reported only", "zh": "仅申报数据"},
    "basis_mirror": {"en": "Mirror only", "zh": "仅镜像数据"},
    "competitors": {"en": "Competitors", "zh": "竞争对手"},
    "share_link": {
        "en": "Filters live in the address bar: copy the URL to share this view.",
        "zh": "筛选条件保存在网址中：复制网址即可分享当前视图。",
    },
    # --- columns and measures
    "col_group": {"en": "Product group", "zh": "产品组"},
    "col_market": {"en": "Market", "zh": "市场"},
    "col_exporter": {"en": "Exporter", "zh": "出口国"},
    "col_supplier": {"en": "Supplier", "zh": "供应国"},
    "col_region": {"en": "Region", "zh": "地区"},
    "col_year": {"en": "Year", "zh": "年份"},
    "col_export_value": {"en": "Export value ({usd})", "zh": "出口额（{usd}）"},
    "col_import_value": {"en": "Imports ({usd})", "zh": "进口额（{usd}）"},
    "col_market_imports": {"en": "Market imports ({usd})", "zh": "市场进口额（{usd}）"},
    "col_growth": {"en": "Growth y/y (%)", "zh": "同比增长（%）"},
    "col_cagr": {"en": "CAGR 5 y (%)", "zh": "五年复合增长率（%）"},
    "col_world_share": {"en": "World share (%)", "zh": "世界份额（%）"},
    "col_market_share": {"en": "Market share (%)", "zh": "市场份额（%）"},
    "col_share_change": {"en": "Share change ({pp})", "zh": "份额变化（{pp}）"},
    "col_market_growth": {"en": "Market import growth, 3-y CAGR (%)", "zh": "市场进口增长，三年复合（%）"},
    "col_market_import_growth": {"en": "Market import growth (%)", "zh": "市场进口增长（%）"},
    "col_unit_value": {"en": "Unit value (USD/kg)", "zh": "单位价值（美元/千克）"},
    "col_competitors_uv": {"en": "Competitors' median (USD/kg)", "zh": "竞争对手中位数（美元/千克）"},
    "col_relative_uv": {"en": "Unit value vs competitors (×)", "zh": "相对竞争对手单价（倍）"},
    "col_rca": {"en": "RCA", "zh": "显示性比较优势"},
    "col_tc": {"en": "Net export index", "zh": "贸易竞争力指数"},
    "col_lafay": {"en": "Lafay index", "zh": "拉法伊指数"},
    "col_hhi": {"en": "Market concentration (HHI)", "zh": "市场集中度（HHI）"},
    "col_trend": {"en": "Export value trend", "zh": "出口额走势"},
    "col_provenance": {"en": "Provenance", "zh": "数据来源类型"},
    "col_sample": {"en": "Sample", "zh": "样例"},
    "col_esi": {"en": "Export similarity (0–100)", "zh": "出口相似度（0–100）"},
    "col_score": {"en": "Opportunity score", "zh": "机会得分"},
    "col_reasons": {"en": "Reasons", "zh": "原因"},
    "col_rank": {"en": "Rank", "zh": "排名"},
    "col_hs_code": {"en": "HS code", "zh": "HS 编码"},
    "col_description": {"en": "Description", "zh": "说明"},
    "col_value": {"en": "Value", "zh": "数值"},
    "col_indicator": {"en": "Indicator", "zh": "指标"},
    "col_component": {"en": "Component", "zh": "组成部分"},
    "col_change": {"en": "Change ({usd})", "zh": "变化（{usd}）"},
    "col_share_pct_people": {"en": "% of individuals", "zh": "占个人比例（%）"},
    "open_market_help": {"en": "Click a market's name to open its page", "zh": "点击市场名称查看详情"},
    "open_group": {"en": "Click a group's name to open its page", "zh": "点击产品组名称查看详情"},
    # --- overview
    "overview_intro": {
        "en": "Every product group for {exporter} in {year}: where it wins and loses. Click a group to open it.",
        "zh": "{exporter} 在 {year} 年的各产品组表现：哪里赢、哪里输。点击产品组查看详情。",
    },
    "overview_groups": {"en": "Product groups", "zh": "产品组"},
    "overview_top_win": {"en": "Gaining most world share", "zh": "世界份额增长最多"},
    "overview_top_lose": {"en": "Losing most world share", "zh": "世界份额下降最多"},
    "world_share_change": {"en": "World share change ({pp})", "zh": "世界份额变化（{pp}）"},
    # --- group page
    "section": {"en": "Section", "zh": "板块"},
    "section_markets": {"en": "Markets", "zh": "各市场"},
    "section_trends": {"en": "Trends", "zh": "走势"},
    "section_exporters": {"en": "Top exporters", "zh": "主要出口国"},
    "section_hs": {"en": "HS codes", "zh": "HS 编码"},
    "proxy_note": {
        "en": "Proxy basket: HS has no heading for this group, so it is approximated by the codes below.",
        "zh": "代理篮子：HS 编码中没有该产品组的独立品目，因此用下列编码近似。",
    },
    "map_title": {"en": "Market share of {exporter} by market, {year}", "zh": "{exporter} 在各市场的份额（{year} 年）"},
    "map_help": {
        "en": "Tile map: one square per tracked market, placed roughly where it lies; colour = market share, "
        "grey = no data. Hover over a square for its values.",
        "zh": "方块地图：每个跟踪市场一个方块，位置大致对应其地理位置；颜色表示市场份额，灰色表示无数据。"
        "悬停查看数值。",
    },
    "map_share": {"en": "Market share", "zh": "市场份额"},
    "map_change": {"en": "Share change", "zh": "份额变化"},
    "map_no_data": {"en": "no data", "zh": "无数据"},
    "map_off_grid": {"en": "Not on the map: {markets}", "zh": "未在地图上显示：{markets}"},
    "map_aria": {
        "en": "{title}: tile map, one square per market, colour = market share from {low} to {high}; "
        "{count} markets with data. The table below lists the values.",
        "zh": "{title}：方块地图，每个市场一个方块，颜色表示市场份额（{low} 至 {high}）；{count} 个市场有数据。"
        "下表列出具体数值。",
    },
    "markets_table": {"en": "Markets", "zh": "各市场"},
    "trend_title": {"en": "Trends", "zh": "走势"},
    "trend_exports": {"en": "Exports of {exporter}", "zh": "{exporter} 出口额"},
    "trend_share": {"en": "World share and RCA", "zh": "世界份额与显示性比较优势"},
    "top_competitors": {"en": "Top exporters of the group", "zh": "该产品组的主要出口国"},
    "top_competitors_uv": {
        "en": "Unit values by supplier are shown per market on the Market and Competitors pages.",
        "zh": "各供应国的单位价值按市场显示在“市场”和“竞争对手”页面。",
    },
    "hs_breakdown": {"en": "HS codes in the group", "zh": "产品组包含的 HS 编码"},
    "col_share_of_group": {"en": "Share of the group (%)", "zh": "占产品组比重（%）"},
    "hs_values_note": {
        "en": "Sales of each code by {exporter} to the tracked markets in {year} (markets' import records; mirror "
        "where a market did not report). Codes finer than the group's appear when a source reports them.",
        "zh": "{year} 年{exporter}各编码对所跟踪市场的销售额（依据各市场进口记录；未申报处采用镜像数据）。"
        "数据源报告更细编码时会单独列出。",
    },
    "hs_breakdown_note": {
        "en": "The metric tables are computed per group, not per HS code, so no value breakdown by code is "
        "shown; these are the codes the group sums. Edit them in config/product_groups.toml.",
        "zh": "指标按产品组计算而非按 HS 编码计算，因此不显示按编码的数值拆分；下表列出产品组汇总的编码，"
        "可在 config/product_groups.toml 中修改。",
    },
    "winning": {"en": "Winning", "zh": "份额上升"},
    "losing": {"en": "Losing", "zh": "份额下降"},
    "kpi_exports": {"en": "Exports {year}", "zh": "{year} 年出口额"},
    "kpi_world_share": {"en": "World share", "zh": "世界份额"},
    "kpi_markets_up": {"en": "Markets gaining share", "zh": "份额上升的市场"},
    "kpi_markets_down": {"en": "Markets losing share", "zh": "份额下降的市场"},
    # --- market page
    "market_suppliers": {"en": "Imports of {group} into {market}, by supplier", "zh": "{market} 按供应国的{group}进口"},
    "market_shares": {"en": "Supplier shares", "zh": "供应国份额"},
    "market_monthly": {"en": "Monthly market share of {exporter}", "zh": "{exporter} 的月度市场份额"},
    "market_prices": {"en": "Unit values by supplier (USD/kg)", "zh": "各供应国单位价值（美元/千克）"},
    "market_gainers": {"en": "Who is gaining in {year}", "zh": "{year} 年份额增长者"},
    "market_ecommerce": {"en": "Cross-border e-commerce in {market}", "zh": "{market} 的跨境电商"},
    # --- competitors
    "competitors_intro": {
        "en": "{exporter} against selected competitors in {group}.",
        "zh": "{exporter} 与所选竞争对手在{group}上的对比。",
    },
    "competition_shares": {"en": "Market shares side by side, {year}", "zh": "各市场份额对比（{year} 年）"},
    "competition_uv": {"en": "Unit-value positioning", "zh": "单位价值定位"},
    "competition_esi": {"en": "Export similarity (Finger–Kreinin)", "zh": "出口相似度（Finger–Kreinin）"},
    "esi_help": {
        "en": "Per market, ESI = 100 · Σ min(s_a, s_b) over the group's HS codes, where s is a code's share of "
        "each exporter's sales of the group to that market: 100 = identical product mix, 0 = no product in common.",
        "zh": "按市场计算：ESI = 100 · Σ min(s_a, s_b)，对产品组内各 HS 编码求和，s 为该编码在两国对该市场的本组"
        "销售额中的占比：100 表示产品结构完全相同，0 表示没有共同产品。",
    },
    "cms_title": {"en": "Constant-market-share decomposition", "zh": "恒定市场份额分解"},
    "cms_help": {
        "en": "Change in exports split into world demand growth, product mix, market mix and a competitiveness "
        "residual (the part not explained by where and what the exporter sells).",
        "zh": "出口变化拆分为世界需求增长、产品结构、市场结构以及竞争力残差（无法由销售市场与产品结构解释的部分）。",
    },
    "cms_world_growth_effect_usd": {"en": "World demand", "zh": "世界需求"},
    "cms_product_mix_effect_usd": {"en": "Product mix", "zh": "产品结构"},
    "cms_market_mix_effect_usd": {"en": "Market mix", "zh": "市场结构"},
    "cms_competitiveness_effect_usd": {"en": "Competitiveness", "zh": "竞争力"},
    "cms_change": {"en": "Total change", "zh": "总变化"},
    # --- e-commerce
    "ecommerce_intro": {
        "en": "Share of individuals buying online, by seller origin (Eurostat household survey, EU markets), "
        "next to the trend of exports of {group} from {exporter} to the market.",
        "zh": "网购个人比例（按卖家来源，欧盟统计局住户调查，欧盟市场），与 {exporter} 对该市场{group}出口走势对照。",
    },
    "ecommerce_sellers": {"en": "Bought online, by seller origin ({year})", "zh": "网购比例（按卖家来源，{year} 年）"},
    "ecommerce_categories": {
        "en": "Bought online, goods categories of {group}", "zh": "网购比例：{group}对应的商品类别",
    },
    "ecommerce_category_codes": {
        "en": "Survey categories (Eurostat isoc_ec_ibgs codes): {codes}.",
        "zh": "调查商品类别（括号内为欧盟统计局的类别代码）：{codes}。",
    },
    "ecommerce_no_categories": {
        "en": "This group has no e-commerce survey category in config/product_groups.toml.",
        "zh": "该产品组在 config/product_groups.toml 中没有对应的电商调查类别。",
    },
    "ecommerce_vs_trade": {"en": "E-commerce adoption against trade", "zh": "电商普及度与贸易对照"},
    "ecommerce_trade": {"en": "Exports of {exporter} to {market}", "zh": "{exporter} 对 {market} 的出口额"},
    "ecommerce_survey": {"en": "Buying online in {market}", "zh": "{market} 的网购比例"},
    "survey_year_note": {
        "en": "Latest survey year up to {year}: {survey}.", "zh": "截至 {year} 年的最新调查年份：{survey}。",
    },
    "I_BLT12": {"en": "Bought online (last 12 months)", "zh": "过去 12 个月网购"},
    "I_BPG_DOM": {"en": "From national sellers", "zh": "向本国卖家购买"},
    "I_BPG_EU": {"en": "From sellers in other EU countries", "zh": "向其他欧盟国家卖家购买"},
    "I_BPG_WRLD": {"en": "From sellers outside the EU", "zh": "向欧盟以外卖家购买"},
    "I_BPG_FOR": {"en": "From foreign sellers", "zh": "向外国卖家购买"},
    # goods categories of the survey (isoc_ec_ibgs), as config/product_groups.toml maps them to groups
    "I_BCLOT": {"en": "Clothes, shoes or accessories", "zh": "服装、鞋或配饰"},
    "I_BSPG": {"en": "Sports goods (excluding sport clothing)", "zh": "运动用品（不含运动服）"},
    "I_BTOYC": {"en": "Children's toys or childcare items", "zh": "儿童玩具或育儿用品"},
    "I_BFURN": {"en": "Furniture, home accessories or gardening products", "zh": "家具、家居饰品或园艺用品"},
    "I_BMED": {"en": "Medicine or dietary supplements", "zh": "药品或膳食补充剂"},
    "I_BCBW": {"en": "Cosmetics, beauty or wellness products", "zh": "化妆品、美容或保健产品"},
    "I_BHHAP": {"en": "Household appliances", "zh": "家用电器"},
    "I_BCEEQ": {"en": "Consumer electronics or computer equipment", "zh": "消费电子产品或计算机设备"},
    # --- opportunities
    "opportunities_intro": {
        "en": "Markets ranked by opportunity for {exporter} in {group}, {year}.",
        "zh": "{exporter} 在{group}上的市场机会排名（{year} 年）。",
    },
    "opportunity_home_only": {
        "en": "The opportunity score is computed for the home exporter ({home}, config scope.home_exporter).",
        "zh": "机会得分按本国出口国（{home}，配置项 scope.home_exporter）计算。",
    },
    "reason_size": {"en": "imports {value}", "zh": "进口额 {value}"},
    "reason_growth": {"en": "growth {value}/yr", "zh": "年增长 {value}"},
    "reason_growth_unknown": {"en": "growth unknown", "zh": "增长未知"},
    "reason_share": {"en": "{exporter} share {value}", "zh": "{exporter} 份额 {value}"},
    "reason_share_none": {"en": "no {exporter} sales recorded", "zh": "无{exporter}的销售记录"},
    "reason_uv": {"en": "unit value {value}× competitors' median", "zh": "单价为竞争对手中位数的 {value} 倍"},
    "reason_uv_unknown": {"en": "no unit value", "zh": "无单价数据"},
    "reason_online": {"en": "{value}% buy online", "zh": "{value}% 的人网购"},
    "reason_online_unknown": {"en": "no e-commerce survey", "zh": "无电商调查数据"},
    "formula": {"en": "How the score is computed", "zh": "得分计算方法"},
    "formula_text": {
        "en": "For each market, in the group's latest year Y:\n"
        "  raw   = size × growth factor × headroom × price factor × e-commerce factor\n"
        "  score = 100 × raw / the highest raw of the group's markets   (0–100)\n\n"
        "size               the market's imports of the group from the world in Y (USD)\n"
        "growth factor      1 + the market's import growth (3-year CAGR, else year on year; 0 when unknown),\n"
        "                   kept within {growth_low}–{growth_high}\n"
        "headroom           1 − the market share of {home} (1 where it does not sell)\n"
        "price factor       1 / the unit value of {home} relative to the competitors' median, kept within "
        "{price_low}–{price_high}; 1 when unknown\n"
        "e-commerce factor  1 + {weight} × share of people buying the group's goods online (%) / 100; "
        "1 without survey data\n\n"
        "Left out: {home} itself, and markets with no breakdown by supplier.",
        "zh": "对每个市场，取该产品组的最新年度 Y：\n"
        "  原始值 = 市场规模 × 增长系数 × 提升空间 × 价格系数 × 电商系数\n"
        "  得分   = 100 × 原始值 ÷ 该产品组各市场原始值的最大值（0–100）\n\n"
        "市场规模   Y 年该市场自全球进口本产品组的金额（美元）\n"
        "增长系数   1 + 该市场进口增长率（三年复合增长率，否则为同比；未知时为 0），限定在 {growth_low}–{growth_high}\n"
        "提升空间   1 − {home}在该市场的份额（未销售时为 1）\n"
        "价格系数   1 ÷ {home}相对竞争对手中位数的单位价值，限定在 {price_low}–{price_high}；未知时为 1\n"
        "电商系数   1 + {weight} × 网购本产品组商品的个人比例（%）÷ 100；无调查数据时为 1\n\n"
        "不参与排名：{home}本身，以及没有按供应国拆分数据的市场。",
    },
    # --- downloads
    "downloads_intro": {
        "en": "Every table behind the pages, filtered as on screen. CSV is formula-safe (cells starting with "
        "= + - @ are quoted) and carries provenance and the sample flag; it equals `python -m tracker export` "
        "with the same filters byte for byte.",
        "zh": "各页面背后的全部数据表，按当前筛选条件导出。CSV 已做公式注入防护（以 = + - @ 开头的单元格会被转义），"
        "包含数据来源与样例标记，与相同筛选条件下的 `python -m tracker export` 输出逐字节一致。",
    },
    "download": {"en": "Download", "zh": "下载"},
    "downloads_columns_note": {
        "en": "The preview shows the file's own column names (see `docs/tables.md`).",
        "zh": "预览中的列名与下载文件中的列名相同（英文字段名，说明见 `docs/tables.md`）。",
    },
    # --- the store's tables: a title and what one row is (Data & downloads, Data status)
    "table_trade": {"en": "Trade flows", "zh": "贸易流量"},
    "table_trade_help": {
        "en": "Goods trade flows: one row per source, flow, reporter, partner, HS code and period.",
        "zh": "商品贸易流量：每行对应一个数据源、流向、申报国、贸易伙伴、HS 编码和期间。",
    },
    "table_ecommerce": {"en": "E-commerce survey", "zh": "电商调查"},
    "table_ecommerce_help": {
        "en": "E-commerce survey indicators: one row per source, indicator, market, category, unit and period.",
        "zh": "电商调查指标：每行对应一个数据源、指标、市场、商品类别、单位和期间。",
    },
    "table_macro": {"en": "Market indicators", "zh": "市场宏观指标"},
    "table_macro_help": {
        "en": "Market size and readiness indicators (World Bank): one row per source, indicator, market, year.",
        "zh": "市场规模与准备度指标（世界银行）：每行对应一个数据源、指标、市场和年份。",
    },
    "table_tariff": {"en": "Applied tariffs (WITS TRAINS)", "zh": "适用关税（WITS TRAINS）"},
    "table_tariff_help": {
        "en": "Per market, partner (WLD = the MFN rate), HS6 code and year: the simple average of the ad-valorem "
        "line rates, their minimum and maximum, and the lines left out as non-ad-valorem. The exporter filter keeps "
        "its preferences and every MFN rate. Extra duties such as US Section 301/232 and anti-dumping duties are "
        "not included.",
        "zh": "按市场、伙伴（WLD 为最惠国税率）、HS6 编码和年度：从价税目税率的简单平均、最低和最高税率，"
        "以及未计入平均的非从价税目数。出口方筛选保留其优惠税率及所有最惠国税率。"
        "不含美国 301/232 条款关税、反倾销税等额外关税。",
    },
    "table_weo": {"en": "GDP and population projections (IMF WEO)", "zh": "GDP 与人口预测（国际货币基金组织 WEO）"},
    "table_weo_help": {
        "en": "IMF World Economic Outlook: real GDP growth, GDP and population, past and projected, with the WEO "
              "edition (vintage) of every value.",
        "zh": "国际货币基金组织《世界经济展望》：实际 GDP 增速、GDP 与人口的历史值和预测值，"
              "每个数值注明所属的展望版本。",
    },
    "table_capital": {"en": "Capital coordinates", "zh": "首都坐标"},
    "table_capital_help": {
        "en": "Capital city and its coordinates per country (World Bank): the distances of the export potential.",
        "zh": "各国首都及其经纬度（世界银行），用于计算出口潜力中的距离。",
    },
    "table_fetch_log": {"en": "Fetch log", "zh": "抓取日志"},
    "table_fetch_log_help": {
        "en": "One row per fetch attempt, successful or not.", "zh": "每次抓取尝试一行，无论成功与否。",
    },
    "table_alerts": {"en": "Alerts", "zh": "预警"},
    "table_alerts_help": {"en": "Alerts raised by the rules of config/alerts.toml.", "zh": "按预警规则生成的预警。"},
    "table_group_market": {"en": "Markets by product group", "zh": "各产品组的市场表现"},
    "table_group_market_help": {
        "en": "Per product group, exporter, market and year: sales, market share, growth and price position.",
        "zh": "按产品组、出口国、市场和年份：销售额、市场份额、增长和价格定位。",
    },
    "table_group_exporter": {"en": "Exporters by product group", "zh": "各产品组的出口国表现"},
    "table_group_exporter_help": {
        "en": "Per product group, exporter and year: world position, specialisation, concentration, momentum.",
        "zh": "按产品组、出口国和年份：世界地位、专业化程度、集中度和增长势头。",
    },
    "table_group_competition": {"en": "Competition", "zh": "竞争对比"},
    "table_group_competition_help": {
        "en": "An exporter against each competitor, per group, market and year: similarity, shares, prices.",
        "zh": "出口国与各竞争对手对比，按产品组、市场和年份：出口相似度、份额和价格。",
    },
    "table_group_cms": {"en": "Constant-market-share decomposition", "zh": "恒定市场份额分解"},
    "table_group_cms_help": {
        "en": "Each exporter's change in sales of a group between two years, split into its causes.",
        "zh": "各出口国某产品组销售额在两个年份之间的变化，按成因拆分。",
    },
    "table_group_opportunity": {"en": "Market opportunities", "zh": "市场机会"},
    "table_group_opportunity_help": {
        "en": "Market-opportunity score for the home exporter per group and market in the latest year "
        "(formula on the Opportunities page).",
        "zh": "本国出口国在最新年度按产品组和市场计算的市场机会得分（计算方法见“市场机会”页）。",
    },
    "table_group_market_monthly": {"en": "Monthly market shares", "zh": "月度市场份额"},
    "table_group_market_monthly_help": {
        "en": "Monthly market share per group, exporter and market (monthly rows only).",
        "zh": "按产品组、出口国和市场的月度市场份额（仅月度数据）。",
    },
    "table_group_hs": {"en": "HS codes by product group", "zh": "各产品组的 HS 编码构成"},
    "table_group_hs_help": {
        "en": "Per product group, exporter, HS code and year: what the group's sales are made of.",
        "zh": "按产品组、出口国、HS 编码和年份：产品组销售额的构成。",
    },
    # --- sources, as the status page names them
    "source_comtrade": {"en": "UN Comtrade", "zh": "联合国 Comtrade"},
    "source_census": {"en": "US Census Bureau", "zh": "美国人口普查局"},
    "source_comext": {"en": "Eurostat Comext", "zh": "欧盟统计局 Comext"},
    "source_eurostat_ecommerce": {"en": "Eurostat e-commerce survey", "zh": "欧盟统计局电商调查"},
    "source_worldbank": {"en": "World Bank", "zh": "世界银行"},
    "source_baci": {"en": "CEPII BACI world trade matrix", "zh": "CEPII BACI 全球贸易矩阵"},
    "source_imf_weo": {"en": "IMF World Economic Outlook", "zh": "国际货币基金组织《世界经济展望》"},
    "source_sample": {"en": "Sample data", "zh": "样例数据"},
    # --- status table headers
    "col_table": {"en": "Table", "zh": "数据表"},
    "col_rows": {"en": "Rows", "zh": "行数"},
    "col_sources": {"en": "Sources", "zh": "数据来源"},
    "col_source": {"en": "Source", "zh": "数据来源"},
    "col_first_period": {"en": "First period", "zh": "最早期间"},
    "col_last_period": {"en": "Last period", "zh": "最新期间"},
    "col_newest_period": {"en": "Newest period", "zh": "最新期间"},
    "col_newest_fetch": {"en": "Newest fetch (UTC)", "zh": "最近抓取（UTC）"},
    "col_last_success": {"en": "Last success (UTC)", "zh": "最近成功（UTC）"},
    "col_last_error_at": {"en": "Last error (UTC)", "zh": "最近出错（UTC）"},
    "col_last_error_kind": {"en": "Last error: what it means, what to do", "zh": "最近错误：原因及处理办法"},
    "col_last_error": {"en": "Original message (as the source or server wrote it)",
                       "zh": "原始错误信息（数据源或服务器给出的英文原文）"},
    "last_error_help": {
        "en": "The original message is the error text exactly as the source or server wrote it: quote it when "
        "reporting a problem.",
        "zh": "“原始错误信息”是数据源或服务器给出的英文原文，未经改动；报告问题时请原样附上。",
    },
    "col_release": {"en": "Release", "zh": "数据版本"},
    "col_stored": {"en": "Computed", "zh": "已计算"},
    "rows_shown": {"en": "{shown:,} of {total:,} rows shown", "zh": "显示 {total:,} 行中的 {shown:,} 行"},
    "page_number": {"en": "Page", "zh": "页码"},
    "csv_bom": {"en": "CSV with BOM (for Excel)", "zh": "CSV 带 BOM（便于 Excel 打开）"},
    # --- caveats
    "caveats": {"en": "About these numbers", "zh": "关于这些数字"},
    "caveat_cif_fob": {
        "en": "Exporters report FOB, importers CIF: mirror values (from the exporter's report) are lower than "
        "the importer's figure by freight and insurance, often 5–10 %.",
        "zh": "出口国按 FOB 申报，进口国按 CIF 申报：镜像数据（来自出口国申报）通常比进口国数据低 5–10%"
        "（运费和保险）。",
    },
    "caveat_latest_year": {
        "en": "The latest year arrives late and not every reporter has reported: see Data status for coverage "
        "and the data's vintage.",
        "zh": "最新年度数据发布较晚，并非所有申报国都已申报：覆盖情况与数据时效见“数据状态”页。",
    },
    "caveat_reexports": {
        "en": "Re-exports (Hong Kong, Singapore, Netherlands) inflate some flows; partners are shown as reported.",
        "zh": "转口贸易（中国香港、新加坡、荷兰）会放大部分流量；贸易伙伴按申报显示。",
    },
    "caveat_hs": {
        "en": "HS revisions (2017 → 2022) split and merge codes; groups are defined on stable 4-digit headings "
        "where possible.",
        "zh": "HS 版本更替（2017 → 2022）会拆分与合并编码；产品组尽量使用稳定的 4 位品目。",
    },
    "caveat_revisions": {
        "en": "Comtrade revises past data silently: the newest value per key is kept with its fetch time.",
        "zh": "联合国商品贸易数据库会静默修订历史数据：每个键保留最新值及其抓取时间。",
    },
    "provenance_note": {
        "en": "Provenance: reported = the importer's own report; mirror = the exporter's report used as fallback "
        "(for an exporter's world totals: the markets' reports); estimated = derived, e.g. a market's imports "
        "from the world as the sum of its recorded suppliers; reconciled = CEPII BACI, where both reports were "
        "reconciled; mixed = several kinds went in. The data basis filter looks at the sales value alone: "
        "\"Mirror only\" keeps the sales taken from the exporter's report.",
        "zh": "数据来源类型：申报 = 进口国自身申报；镜像 = 以出口国申报替代"
        "（出口国对世界的总额则以各市场申报替代）；估算 = 推算值，如以已记录供应国之和代替市场自世界的进口总额；"
        "核对 = CEPII BACI 数据库对双方申报核对后的数值；混合 = 多种兼有。"
        "“数据口径”筛选只看销售额本身：“仅镜像数据”保留销售额取自出口国申报的行。",
    },
    # --- World Bank regions (tracker/data countries reference) and provenance values, shown in tables
    "region_Latin America & Caribbean": {"en": "Latin America & Caribbean", "zh": "拉丁美洲和加勒比"},
    "region_Europe & Central Asia": {"en": "Europe & Central Asia", "zh": "欧洲和中亚"},
    "region_Middle East & North Africa": {"en": "Middle East & North Africa", "zh": "中东和北非"},
    "region_South Asia": {"en": "South Asia", "zh": "南亚"},
    "region_Sub-Saharan Africa": {"en": "Sub-Saharan Africa", "zh": "撒哈拉以南非洲"},
    "region_East Asia & Pacific": {"en": "East Asia & Pacific", "zh": "东亚和太平洋"},
    "region_North America": {"en": "North America", "zh": "北美"},
    "region_Aggregate": {"en": "Aggregate", "zh": "汇总"},
    "provenance_reported": {"en": "reported", "zh": "申报"},
    "provenance_mirror": {"en": "mirror", "zh": "镜像"},
    "provenance_mixed": {"en": "mixed", "zh": "混合"},
    "provenance_estimated": {"en": "estimated", "zh": "估算"},
    "provenance_reconciled": {"en": "reconciled", "zh": "核对"},
    "frequency": {"en": "Frequency", "zh": "频率"},
    "frequency_A": {"en": "Annual", "zh": "年度"},
    "frequency_M": {"en": "Monthly", "zh": "月度"},
    # --- units
    "usd_unit": {"en": "USD m", "zh": "亿美元"},
    "pp_unit": {"en": "pp", "zh": "个百分点"},
    # --- WITS source (w1-wits): the status page names sources by these labels
    "source_wits": {"en": "WITS tariffs (World Bank / UNCTAD TRAINS)", "zh": "WITS 关税（世界银行 / 贸发会议 TRAINS）"},
    # --- tariffs
    "col_tariff_faced": {"en": "Tariff faced (%)", "zh": "适用关税 (%)"},
    "col_tariff_margin_lowest": {"en": "Margin vs lowest-tariff competitor (pp)",
                                 "zh": "与关税最低竞争者之差（个百分点）"},
    "col_tariff_lowest_competitor": {"en": "Lowest-tariff competitor", "zh": "关税最低的竞争者"},
    "col_tariff_type": {"en": "Tariff regime", "zh": "关税类型"},
    "tariff_type_MFN": {"en": "MFN", "zh": "最惠国税率"},
    "tariff_type_PRF": {"en": "preferential", "zh": "优惠税率"},
    "tariff_type_mixed": {"en": "partly preferential", "zh": "部分优惠"},
    "tariff_caveat": {
        "en": "Tariffs: applied rates of {year} (WITS TRAINS), averaged over the group's HS6 codes weighted by the "
        "market's imports of each code (simple average where no import record exists); the preferential rate "
        "where one applies and is lower, else MFN. Extra duties such as US Section 301/232 and anti-dumping "
        "duties are not included.",
        "zh": "关税：{year} 年实施税率（WITS TRAINS），按市场对各 HS6 编码的进口额加权平均（无进口记录时取简单平均）；"
        "有更低的优惠税率时取优惠税率，否则取最惠国税率。不含美国 301/232 条款关税、反倾销税等额外关税。",
    },
    "tariff_margins_title": {"en": "Tariff margin per market (pp)", "zh": "各市场关税差（个百分点）"},
    "tariff_margins_help": {
        "en": "{exporter}'s tariff minus each competitor's, in percentage points: above 0, {exporter} pays more.",
        "zh": "{exporter}的适用关税减去各竞争者的适用关税（个百分点）：大于 0 表示{exporter}的关税更高。",
    },
    "no_tariffs": {
        "en": "No tariff data for this selection yet: fetch it with `python -m tracker fetch --source wits`.",
        "zh": "所选范围暂无关税数据：可运行 `python -m tracker fetch --source wits` 获取。",
    },
    "reason_tariff": {"en": "tariff {own}% vs {lowest}% lowest competitor", "zh": "关税 {own}%，竞争者最低 {lowest}%"},
    "reason_tariff_unknown": {"en": "tariff unknown", "zh": "关税未知"},
    "table_group_tariff": {"en": "Tariffs faced", "zh": "适用关税"},
    "table_group_tariff_help": {
        "en": "Per product group, tracked exporter, market and tariff year: the tariff faced (trade-weighted over the "
        "group's HS6 codes), the regime, and the margin against the lowest-tariff competitor. Extra duties such as "
        "US Section 301/232 and anti-dumping duties are not included.",
        "zh": "按产品组、所跟踪出口国、市场和关税年度：适用关税（按 HS6 编码进口额加权）、关税类型"
        "及与关税最低竞争者之差。不含美国 301/232 条款关税、反倾销税等额外关税。",
    },
    "table_group_tariff_margin": {"en": "Tariff margins between exporters", "zh": "出口国之间的关税差"},
    "table_group_tariff_margin_help": {
        "en": "Each tracked exporter's tariff minus each competitor's, per group, market and tariff year, in "
        "percentage points. Extra duties such as US Section 301/232 and anti-dumping duties are not included.",
        "zh": "按产品组、市场和关税年度，各所跟踪出口国的适用关税减去各竞争者的适用关税（个百分点）。"
        "不含美国 301/232 条款关税、反倾销税等额外关税。",
    },
    "formula_tariff": {
        "en": "tariff_factor = (1 + lowest competitor's tariff/100) / (1 + {home}'s tariff/100), clipped to "
        "[{low}, {high}]; 1 when unknown (extra duties such as Section 301/232 and anti-dumping not included).",
        "zh": "关税因子 = (1 + 竞争者最低关税/100) / (1 + {home}适用关税/100)，限制在 [{low}, {high}]；"
        "未知时为 1（不含 301/232 条款关税、反倾销税等额外关税）。",
    },
    # --- findings
    "findings_title": {"en": "Findings", "zh": "要点"},
    "findings_open": {"en": "Show", "zh": "查看"},
    "findings_none": {"en": "No finding for this selection: the metric tables hold no comparable years yet.",
                      "zh": "当前选择暂无要点：指标表中尚无可比较的年份。"},
    "findings_note": {
        "en": "The most material facts first, ranked by the USD at stake (`docs/findings.md`). Each link opens "
        "the page and filters that show the figures.",
        "zh": "按涉及金额（美元）排序，最重要的在前（见 `docs/findings.md`）。"
        "每个链接打开显示相应数字的页面和筛选条件。",
    },
    "findings_download": {"en": "Download findings", "zh": "下载要点"},
    "findings_unreadable": {
        "en": "Findings are not shown: the table `{table}` could not be read. On the server, run "
        "`python -m tracker store check`.",
        "zh": "未显示要点：无法读取 `{table}` 表。请在服务器上运行 `python -m tracker store check`。",
    },
    "findings_ai_checked": {
        "en": "AI summary of the findings below; every number in it was checked against them.",
        "zh": "以下要点的 AI 摘要；其中每个数字均已与要点核对。",
    },
    "findings_ai_invented_number": {
        "en": "The AI summary is not shown: it contains numbers that are not in the findings ({detail}).",
        "zh": "未显示 AI 摘要：其中含有要点中没有的数字（{detail}）。",
    },
    "findings_ai_timeout": {"en": "The AI summary is not shown: the model did not answer within {detail} s.",
                            "zh": "未显示 AI 摘要：模型未在 {detail} 秒内回答。"},
    "findings_ai_unreachable": {"en": "The AI summary is not shown: the model's address could not be reached.",
                                "zh": "未显示 AI 摘要：无法连接模型地址。"},
    "findings_ai_error": {"en": "The AI summary is not shown: the model answered with an error {detail}.",
                          "zh": "未显示 AI 摘要：模型返回错误 {detail}。"},
    "findings_ai_bad_answer": {"en": "The AI summary is not shown: the model's answer held no text.",
                               "zh": "未显示 AI 摘要：模型的回答中没有文字。"},
    "table_findings": {"en": "Findings", "zh": "要点"},
    "table_findings_help": {
        "en": "The most material facts for the chosen exporter and group, in English and Chinese, with their "
        "figures (numbers, as JSON), period, link and materiality score (USD at stake).",
        "zh": "所选出口方和产品组最重要的要点（中英文），附数字（JSON 格式）、期间、链接和重要性得分（涉及美元金额）。",
    },
    # --- page speed (#13): titles of the inline-SVG charts that replaced Plotly ones
    "opportunity_top": {"en": "The {count} highest scores", "zh": "得分最高的 {count} 个市场"},
    "cms_effects": {"en": "{exporter}, {span}: effects and total change ({unit})",
                    "zh": "{exporter}，{span}：各效应与总变化（{unit}）"},
    "preview_table": {"en": "Table to preview and download", "zh": "预览与下载的数据表"},
    "table_rows_filtered": {"en": "Rows (filtered)", "zh": "行数（按筛选）"},
    "table_rows_total": {"en": "{total:,} rows with these filters", "zh": "按当前筛选共 {total:,} 行"},
    # --- demand
    "page_demand": {"en": "Demand", "zh": "需求"},
    "demand_title": {"en": "Demand outlook · {group}", "zh": "需求展望 · {group}"},
    "demand_intro": {
        "en": "Markets ranked by the expected growth of their imports of the group from the world: the forecast "
        "for the next 12 months against the last 12 recorded months. Forecasts come from each market's monthly "
        "imports; a market with less than {months} months of history has none.",
        "zh": "按该产品组自全球进口的预期增长对市场排序：未来 12 个月的预测值与最近 12 个已记录月份相比。"
        "预测基于各市场的月度进口数据；"
        "历史不足 {months} 个月的市场不作预测。",
    },
    "demand_summary": {
        "en": "{forecast} markets forecast · the model beat the seasonal-naive forecast in {beats} of {tested} "
        "backtested markets · {short} with not enough history",
        "zh": "已预测 {forecast} 个市场 · 回测中模型在 {tested} 个市场中的 {beats} 个"
        "优于季节性朴素预测 · {short} 个市场历史不足",
    },
    "demand_none": {"en": "No demand forecasts for this group yet: the store holds no monthly imports for it.",
                    "zh": "该产品组尚无需求预测：数据库中没有其月度进口数据。"},
    "demand_chart": {"en": "Expected growth of imports over the next 12 months (top {n} markets, %)",
                     "zh": "未来 12 个月进口预期增长（前 {n} 个市场，%）"},
    "demand_section": {"en": "Demand: nowcast and forecast", "zh": "需求：即时估计与预测"},
    "nowcast_title": {"en": "{exporter}'s exports to {market}: monthly nowcast (FOB, {usd})",
                      "zh": "{exporter}对{market}出口：月度即时估计（离岸价，{usd}）"},
    "nowcast_benchmarked": {"en": "Benchmarked to annual figures", "zh": "已按年度数据校准"},
    "nowcast_estimate": {"en": "Estimate", "zh": "估计"},
    "nowcast_caption": {
        "en": "Estimated from {market}'s monthly imports from {exporter}, divided by {factor} (CIF/FOB) and "
        "benchmarked to the annual totals with a proportional Denton method, so the months add up to the years. "
        "Months after {last} lie beyond the last annual figure: dashed, labelled estimate.",
        "zh": "根据{market}自{exporter}的月度进口估算：除以 {factor}（到岸价/离岸价换算），"
        "再用比例 Denton 法按年度总额校准，"
        "使各月之和等于全年数。{last} 之后的月份超出最新年度数据：以虚线显示，标为“估计”。",
    },
    "nowcast_caption_unbenchmarked": {
        "en": "Estimated from {market}'s monthly imports from {exporter}, divided by {factor} (CIF/FOB). No annual "
        "total to benchmark to yet: every month is an estimate.",
        "zh": "根据{market}自{exporter}的月度进口估算，并除以 {factor}（到岸价/离岸价换算）。"
        "尚无可用于校准的年度总额：所有月份均为估计。",
    },
    "nowcast_none": {"en": "{market} has recorded no monthly imports from {exporter}: no nowcast.",
                     "zh": "{market}没有记录自{exporter}的月度进口：无即时估计。"},
    "nowcast_home_only": {"en": "The nowcast is computed for the home exporter, {exporter}.",
                          "zh": "即时估计仅针对本国出口国（{exporter}）计算。"},
    "nowcast_backtest": {
        "en": "Nowcast backtest for this group: mean absolute percentage error {mape} against {exporter}'s reported "
        "annual exports, over {n} market-years ({years}).",
        "zh": "该产品组即时估计回测：与{exporter}申报的年度出口相比，平均绝对百分比误差为 {mape}，"
        "覆盖 {n} 个市场年度（{years}）。",
    },
    "nowcast_backtest_none": {
        "en": "No nowcast backtest for this group yet: the store holds no annual exports of {exporter} by market "
        "to compare with.",
        "zh": "该产品组暂无即时估计回测：数据库中没有{exporter}按市场申报的年度出口可供比较。",
    },
    "forecast_title": {"en": "{market}'s imports of {group} from the world: 12-month forecast ({usd})",
                       "zh": "{market}自全球进口{group}：未来 12 个月预测（{usd}）"},
    "forecast_history": {"en": "Recorded", "zh": "实际"},
    "forecast_median": {"en": "Forecast (median)", "zh": "预测（中位数）"},
    "forecast_band80": {"en": "80% interval", "zh": "80% 区间"},
    "forecast_band95": {"en": "95% interval", "zh": "95% 区间"},
    "forecast_model": {
        "en": "Exponential smoothing ETS(A,Ad,A) on log values, parameters fitted per product group (statsmodels)",
        "zh": "对数值指数平滑（加性误差、阻尼趋势、加性季节），参数按产品组估计（statsmodels）",
    },
    "forecast_outlook": {"en": "Next 12 months {next} against {last} in the last 12: {growth}.",
                         "zh": "未来 12 个月 {next}，最近 12 个月 {last}：{growth}。"},
    "forecast_beats": {
        "en": "In a rolling-origin backtest the model beat the seasonal-naive forecast (the same month a year "
        "earlier): mean absolute error {model} against {naive}.",
        "zh": "滚动起点回测中，模型优于季节性朴素预测（上年同月值）：平均绝对误差 {model} 对 {naive}。",
    },
    "forecast_loses": {
        "en": "In a rolling-origin backtest the model did not beat the seasonal-naive forecast (the same month a "
        "year earlier): mean absolute error {model} against {naive}. Read the forecast with care.",
        "zh": "滚动起点回测中，模型未能优于季节性朴素预测（上年同月值）：平均绝对误差 {model} 对 {naive}。"
        "请谨慎参考该预测。",
    },
    "forecast_no_backtest": {"en": "Too little history for a backtest.", "zh": "历史数据太短，无法回测。"},
    "forecast_not_enough_history": {
        "en": "Not enough history for a forecast: {months} months recorded, {needed} needed.",
        "zh": "历史数据不足，无法预测：已有 {months} 个月，至少需要 {needed} 个月。",
    },
    "forecast_none": {"en": "No monthly imports of this group recorded for {market}: no forecast.",
                      "zh": "{market}没有该产品组的月度进口记录：无预测。"},
    "col_last_12m": {"en": "Last 12 months ({usd})", "zh": "最近 12 个月（{usd}）"},
    "col_next_12m": {"en": "Next 12 months, forecast ({usd})", "zh": "未来 12 个月预测（{usd}）"},
    "col_expected_growth": {"en": "Expected growth (%)", "zh": "预期增长（%）"},
    "col_beats_naive": {"en": "Beats seasonal-naive", "zh": "优于季节性朴素预测"},
    "col_forecast_start": {"en": "Forecast from", "zh": "预测起始月"},
    "col_history_months": {"en": "History (months)", "zh": "历史（月）"},
    "col_note": {"en": "Note", "zh": "备注"},
    "demand_yes": {"en": "yes", "zh": "是"},
    "demand_no": {"en": "no", "zh": "否"},
    "demand_untested": {"en": "not backtested", "zh": "未回测"},
    "note_not enough history": {"en": "not enough history", "zh": "历史不足"},
    "table_group_nowcast": {"en": "Monthly nowcast of exports", "zh": "月度出口即时估计"},
    "table_group_nowcast_help": {
        "en": "The home exporter's monthly exports per group and market, estimated from the markets' imports "
        "(CIF/FOB-adjusted, benchmarked to annual totals); WLD sums the markets covered.",
        "zh": "本国出口国按产品组和市场的月度出口，根据各市场进口估算（经到岸价/离岸价调整并按年度总额校准）；"
        "WLD 为所覆盖市场之和。",
    },
    "table_group_nowcast_backtest": {"en": "Nowcast backtest", "zh": "即时估计回测"},
    "table_group_nowcast_backtest_help": {
        "en": "Per group: the nowcast's error against the exporter's reported annual exports (MAPE).",
        "zh": "按产品组：即时估计相对出口国申报年度出口的误差（平均绝对百分比误差）。",
    },
    "table_group_forecast": {"en": "Demand forecasts by month", "zh": "月度需求预测"},
    "table_group_forecast_help": {
        "en": "Next 12 months of each market's imports of each group, with 80% and 95% prediction intervals.",
        "zh": "各市场各产品组未来 12 个月的进口预测，含 80% 和 95% 预测区间。",
    },
    "table_group_demand": {"en": "Demand outlook by market", "zh": "各市场需求展望"},
    "table_group_demand_help": {
        "en": "Per group and market: last 12 months, next 12 months forecast, expected growth, backtest result.",
        "zh": "按产品组和市场：最近 12 个月、未来 12 个月预测、预期增长和回测结果。",
    },
    # --- export potential (ITC's Export Potential Indicator)
    "opportunity_score_heading": {"en": "Opportunity score (0–100)", "zh": "机会得分（0–100）"},
    "potential_heading": {"en": "Untapped export potential (USD)", "zh": "未开发的出口潜力（美元）"},
    "potential_intro": {
        "en": "Markets ranked by the untapped potential of {exporter} in {group}: what its sales could be by "
        "{target} (ITC's export potential method, on {year} trade) minus what they are in {year}.",
        "zh": "按 {exporter} 在{group}上未开发的出口潜力排序：到 {target} 年可能达到的销售额"
        "（ITC 出口潜力方法，基于 {year} 年贸易），减去 {year} 年的实际销售额。",
    },
    "potential_note": {
        "en": "The potential is a benchmark built on IMF World Economic Outlook projections ({vintage}), not a "
        "forecast and not a ceiling: it says what the exporter's sales would be if they followed its world share, "
        "the market's projected demand, tariffs, distance and their past trade.",
        "zh": "出口潜力是基于国际货币基金组织《世界经济展望》预测（{vintage}）的基准，既不是预测值也不是上限："
        "它表示若销售额与该出口国的全球份额、市场的预计需求、关税、距离及双方以往贸易相符时应有的水平。",
    },
    "potential_vintage": {"en": "WEO {month} {year}", "zh": "WEO {year} 年{month}版"},
    "potential_vintage_unknown": {"en": "vintage unknown", "zh": "版本未知"},
    "weo_month_04": {"en": "April", "zh": "4 月"},
    "weo_month_10": {"en": "October", "zh": "10 月"},
    "potential_none": {
        "en": "No export potential for {exporter} in {group} in these years.",
        "zh": "这些年份没有 {exporter} 在{group}上的出口潜力数据。",
    },
    "potential_top": {"en": "The {count} largest untapped potentials", "zh": "未开发潜力最大的 {count} 个市场"},
    "potential_formula": {
        "en": "Potential = projected world share × min(1, exports / imports) × supply tariff factor × projected "
        "imports × demand tariff factor × distance factor × bilateral factor; projections five years ahead, income "
        "elasticity of imports ε = {elasticity}. A factor without data is 1 and the row says so (table download).",
        "zh": "潜力 = 预计全球份额 × min(1, 出口/进口) × 供给关税系数 × 预计进口额 × 需求关税系数 × 距离系数 × "
        "双边系数；预测期为五年，进口收入弹性 ε = {elasticity}。缺少数据的系数取 1，并在行中注明（见表格下载）。",
    },
    "market_potential": {
        "en": "Export potential in {market}, {year}: potential against actual sales",
        "zh": "{market} 的出口潜力（{year} 年）：潜力与实际销售额对比",
    },
    "why_demand": {"en": "demand {direction} {value} in five years", "zh": "五年内需求{direction} {value}"},
    "why_grows": {"en": "grows", "zh": "增长"},
    "why_shrinks": {"en": "shrinks", "zh": "下降"},
    "why_tariff_less": {
        "en": "you face {value} pp less tariff than its usual suppliers",
        "zh": "你面临的关税比其主要供应国低 {value} 个百分点",
    },
    "why_tariff_more": {
        "en": "you face {value} pp more tariff than its usual suppliers",
        "zh": "你面临的关税比其主要供应国高 {value} 个百分点",
    },
    "why_share_less": {
        "en": "you sell there {value} less than your world share predicts",
        "zh": "你在该市场的销售额比全球份额预示的低 {value}",
    },
    "why_share_more": {
        "en": "you sell there {value} more than your world share predicts",
        "zh": "你在该市场的销售额比全球份额预示的高 {value}",
    },
    "why_no_projection": {"en": "no WEO projection (growth assumed flat)", "zh": "无 WEO 预测（假定不增长）"},
    "col_untapped": {"en": "Untapped potential ({usd})", "zh": "未开发潜力（{usd}）"},
    "col_potential": {"en": "Potential ({usd})", "zh": "潜力（{usd}）"},
    "col_actual": {"en": "Actual sales ({usd})", "zh": "实际销售额（{usd}）"},
    "col_why": {"en": "Why it ranks high", "zh": "排名靠前的理由"},
    "col_projected_share": {"en": "Projected world share (%)", "zh": "预计全球份额（%）"},
    "col_re_export_factor": {"en": "Re-export factor", "zh": "转口系数"},
    "col_supply_tariff_factor": {"en": "Supply tariff factor", "zh": "供给关税系数"},
    "col_projected_imports": {"en": "Projected imports ({usd})", "zh": "预计进口额（{usd}）"},
    "col_demand_tariff_factor": {"en": "Demand tariff factor", "zh": "需求关税系数"},
    "col_distance_factor": {"en": "Distance factor", "zh": "距离系数"},
    "col_bilateral_factor": {"en": "Bilateral factor", "zh": "双边系数"},
    "table_group_export_potential": {"en": "Export potential (USD)", "zh": "出口潜力（美元）"},
    "table_group_export_potential_help": {
        "en": "Per product group, exporter, market and year: ITC's export potential five years ahead, actual sales, "
        "untapped potential and every factor. A benchmark built on IMF WEO projections, not a forecast or a ceiling.",
        "zh": "按产品组、出口国、市场和年份：ITC 方法计算的五年后出口潜力、实际销售额、未开发潜力及各项系数。"
        "这是基于 IMF WEO 预测的基准，既不是预测值也不是上限。",
    },
}
