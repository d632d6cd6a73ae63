"""Labels and number formats in English and Simplified Chinese; the language lives in the URL (`?lang=zh`).

Every string a page shows comes from ``LABELS``; numbers are formatted by the helpers below so that units
follow the language (USD millions and ``pp`` in English, 亿美元 and 个百分点 in Chinese).
"""

from __future__ import annotations

from tracker.formatting import MISSING, fmt_number, fmt_pct, fmt_usd, is_missing  # noqa: F401 - re-exported for the pages

LANGUAGES = {"en": "English", "zh": "中文"}

LABELS: dict[str, dict[str, str]] = {
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
        "按 config/alerts.toml 的规则生成预警。",
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
    "sample_banner": {
        "en": "Sample data: the numbers shown are generated for demonstration, not real trade statistics. "
        "Run `python -m tracker fetch` to load public data.",
        "zh": "样例数据：所示数字为演示生成，并非真实贸易统计。运行 `python -m tracker fetch` 以载入公开数据。",
    },
    # --- status page
    "tables": {"en": "Tables", "zh": "数据表"},
    "sources": {"en": "Sources", "zh": "数据来源"},
    "no_data": {
        "en": "The store is empty. Run `python -m tracker sample` or `python -m tracker fetch`.",
        "zh": "数据库为空。请运行 `python -m tracker sample` 或 `python -m tracker fetch`。",
    },
    "store_location": {"en": "Store", "zh": "存储位置"},
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
        "en": "{exporter}'s sales of each code to the tracked markets in {year} (markets' import records; mirror "
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
    "market_suppliers": {"en": "{market}'s imports of {group} by supplier", "zh": "{market} 按供应国的{group}进口"},
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
        "en": "ESI = 100 · Σ min(s_a, s_b) over the shares of each market in the two exporters' exports: "
        "100 = identical market mix, 0 = no overlap.",
        "zh": "ESI = 100 · Σ min(s_a, s_b)，s 为各市场在两国出口中的占比：100 表示市场结构完全相同，0 表示没有重叠。",
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
        "next to the trend of {exporter}'s exports of {group} to the market.",
        "zh": "网购个人比例（按卖家来源，欧盟统计局住户调查，欧盟市场），与 {exporter} 对该市场{group}出口走势对照。",
    },
    "ecommerce_sellers": {"en": "Bought online, by seller origin ({year})", "zh": "网购比例（按卖家来源，{year} 年）"},
    "ecommerce_categories": {
        "en": "Bought online, goods categories of {group}", "zh": "网购比例：{group}对应的商品类别",
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
    "reason_uv": {"en": "unit value {value}× competitors' median", "zh": "单价为竞争对手中位数的 {value} 倍"},
    "reason_uv_unknown": {"en": "no unit value", "zh": "无单价数据"},
    "reason_online": {"en": "{value}% buy online", "zh": "{value}% 的人网购"},
    "reason_online_unknown": {"en": "no e-commerce survey", "zh": "无电商调查数据"},
    "formula": {"en": "How the score is computed", "zh": "得分计算方法"},
    # --- downloads
    "downloads_intro": {
        "en": "Every table behind the pages, filtered as on screen. CSV is formula-safe (cells starting with "
        "= + - @ are quoted) and carries provenance and the sample flag; it equals `python -m tracker export` "
        "with the same filters byte for byte.",
        "zh": "各页面背后的全部数据表，按当前筛选条件导出。CSV 已做公式注入防护（以 = + - @ 开头的单元格会被转义），"
        "包含数据来源与样例标记，与相同筛选条件下的 `python -m tracker export` 输出逐字节一致。",
    },
    "download": {"en": "Download", "zh": "下载"},
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
        "from the world as the sum of its recorded suppliers; mixed = several kinds went in. The data basis "
        "filter looks at the sales value alone: \"Mirror only\" keeps the sales taken from the exporter's report.",
        "zh": "数据来源类型：reported = 进口国自身申报；mirror = 以出口国申报替代"
        "（出口国对世界的总额则以各市场申报替代）；estimated = 推算值，如以已记录供应国之和代替市场自世界的进口总额；"
        "mixed = 多种兼有。“数据口径”筛选只看销售额本身：“仅镜像数据”保留销售额取自出口国申报的行。",
    },
    # --- units
    "usd_unit": {"en": "USD m", "zh": "亿美元"},
    "pp_unit": {"en": "pp", "zh": "个百分点"},
}

# One USD value unit per language: English shows millions, Chinese 亿 (100 million).
USD_DIVISOR = {"en": 1e6, "zh": 1e8}


def t(key: str, lang: str, **values: object) -> str:
    """The label for ``key`` in ``lang`` (English when a translation is missing), with ``{placeholders}`` filled.

    ``{usd}`` and ``{pp}`` are always available and give the language's units.
    """
    entry = LABELS[key]
    text = entry.get(lang) or entry["en"]
    if "{" not in text:
        return text
    return text.format(usd=LABELS["usd_unit"][lang], pp=LABELS["pp_unit"][lang], **values)


def usd_divisor(lang: str) -> float:
    return USD_DIVISOR.get(lang, 1e6)


def fmt_pp(value: float | None, lang: str) -> str:
    """Percentage points with a sign: ``+1.2 pp`` / ``+1.2 个百分点``."""
    if is_missing(value):
        return MISSING
    return f"{value:+.2f} {LABELS['pp_unit'][lang]}"
