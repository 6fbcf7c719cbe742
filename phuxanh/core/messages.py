"""The catalog of coded domain messages: each code's template in English and Vietnamese.

A domain error raised with a code (`PhuxanhError(code="item.not_in_review", id=5,
status="approved")`, see `phuxanh/core/errors.py`) is rendered from here. The English
template is the error's text for the CLI, the logs and every test that reads it, so it
never changes without reason; the Vietnamese one is what the desk shows. Both name the
same placeholders (`tests/test_messages.py` checks it, and that every code raised in
`phuxanh/` is here). A code or a language missing here is a bug, not a fallback.

Parameters are values (ids, usernames, file names) and stay as they are, except those
named in `KINDS`: a status, a role or a decision is a word of the data model, said in the
reader's language from `WORDS` (English keeps the model's own word, as the CLI prints it).
A parameter named `field` names the input that is wrong: the CLI's flag (`--period`), which
a front end with its own form fields may name in its own words (`Message.text(fields=)`).
"""

from __future__ import annotations

LANGS = ("en", "vi")

CATALOG: dict[str, dict[str, str]] = {
    # signing in and managing users (core/auth.py, core/users.py)
    "auth.wrong_password": {
        "en": "wrong username or password",
        "vi": "Sai tên đăng nhập hoặc mật khẩu.",
    },
    "auth.locked": {
        "en": "too many failed sign-ins: try again in {seconds} s",
        "vi": "Đăng nhập sai quá nhiều lần: hãy thử lại sau {seconds} giây.",
    },
    "auth.sso_unverified": {
        "en": "the sign-in provider gave no verified e-mail address",
        "vi": "Nhà cung cấp đăng nhập không trả về e-mail đã xác minh.",
    },
    "auth.sso_unknown": {
        "en": "{email} has no phuxanh account; ask an admin to add it",
        "vi": "{email} chưa có tài khoản phuxanh; hãy nhờ quản trị viên thêm.",
    },
    "users.may_not_manage": {
        "en": "{user} ({role}) may not manage users",
        "vi": "{user} ({role}) không có quyền quản lý người dùng.",
    },
    # review (review.py)
    "item.package_own_unit": {
        "en": "{user} may not approve item {id}: it came in a content package, and its own "
        "unit's approvers approve it",
        "vi": "{user} không duyệt mục #{id}: mục này đến từ một gói nội dung, người duyệt của "
        "chính đơn vị nhận sẽ duyệt.",
    },
    "item.outside_unit": {
        "en": "{user} is not in the unit of item {id}",
        "vi": "{user} không thuộc đơn vị của mục #{id}.",
    },
    "item.may_not_submit": {
        "en": "{user} ({role}) may not submit items for review",
        "vi": "{user} ({role}) không có quyền gửi duyệt.",
    },
    "item.may_not_approve": {
        "en": "{user} ({role}) may not approve",
        "vi": "{user} ({role}) không có quyền duyệt.",
    },
    "item.may_not_decide": {
        "en": "{user} ({role}) may not {decision} items",
        "vi": "{user} ({role}) không có quyền {decision}.",
    },
    "item.may_not_edit": {
        "en": "{user} ({role}) may not edit items",
        "vi": "{user} ({role}) không có quyền sửa bài.",
    },
    "item.control_char": {
        "en": "{field}: holds a control character ({char}); write plain text",
        "vi": "{field}: có ký tự điều khiển ({char}); hãy viết văn bản thường.",
    },
    "item.incident_closed": {
        "en": "item {id} clarifies incident {incident}, which is closed: it is not approved",
        "vi": "Mục #{id} là thông tin chính thức của vụ việc #{incident} đã đóng: không duyệt.",
    },
    "item.own_edit": {
        "en": "{user} edited item {id} (version {version}) and may not approve it",
        "vi": "{user} đã sửa mục #{id} (phiên bản {version}) nên không được tự duyệt.",
    },
    "item.own": {
        "en": "{user} wrote item {id} and may not approve it",
        "vi": "{user} là tác giả mục #{id} nên không được tự duyệt.",
    },
    "item.not_a_draft": {
        "en": "item {id} is {status}, not a draft",
        "vi": "Mục #{id} đang ở trạng thái “{status}”, không phải bản nháp.",
    },
    "item.not_in_review": {
        "en": "item {id} is {status}, not in review",
        "vi": "Mục #{id} đang ở trạng thái “{status}”, không chờ duyệt.",
    },
    "item.nothing_to_decide": {
        "en": "item {id} is {status}; there is nothing to {decision}",
        "vi": "Mục #{id} đang ở trạng thái “{status}”, không có gì để {decision}.",
    },
    "item.final": {
        "en": "item {id} is {status} and can no longer change",
        "vi": "Mục #{id} đang ở trạng thái “{status}”, không thể sửa nữa.",
    },
    "item.held": {
        "en": "item {id}: held: {reason}",
        "vi": "Mục #{id} đang bị giữ lại: {reason}",
    },
    "item.fact_unsourced": {
        "en": "item {id}: fact without a source: {fact}",
        "vi": "Mục #{id}: dữ kiện {fact} chưa có nguồn.",
    },
    "item.needs_channel_and_time": {
        "en": "item {id}: needs at least one channel and a time",
        "vi": "Mục #{id}: cần ít nhất một kênh và thời gian đăng.",
    },
    "item.caption": {
        "en": "item {id}: {problem}",
        "vi": "Mục #{id}: {problem}",
    },
    "item.reason_needed": {
        "en": "{field}: a {decision} needs a reason the author can act on",
        "vi": "{field}: hãy ghi rõ lý do để tác giả biết phải sửa gì trước khi {decision}.",
    },
    "item.already_out": {
        "en": "item {id} is already {status} on a channel; "
        "publish a correction instead of editing it",
        "vi": "Mục #{id} đã ở trạng thái “{status}” trên một kênh: hãy đăng bài đính chính "
        "thay vì sửa.",
    },
    "item.locked_needs_check": {
        "en": "item {id}: publication {pub} on {channel} is needs_check: the post may already "
        "be live; settle it first with `phuxanh publication resolve {pub}` (or on the "
        "Channel health page)",
        "vi": "Mục #{id}: bài đăng {pub} trên kênh {channel} cần kiểm tra, có thể đã lên trang; "
        "hãy xác nhận kết quả ở trang Tình trạng kênh (hoặc `phuxanh publication resolve "
        "{pub}`) trước.",
    },
    "item.locked_sending": {
        "en": "item {id}: publication {pub} on {channel} is {doing}: the post may already be "
        "live; wait for the publisher to settle it (if it cannot, it asks for "
        "`phuxanh publication resolve {pub}`)",
        "vi": "Mục #{id}: bài đăng {pub} trên kênh {channel} {doing}, có thể đã lên trang; hãy "
        "chờ việc gửi có kết quả (nếu không tự xác định được, hệ thống sẽ đề nghị "
        "`phuxanh publication resolve {pub}`).",
    },
    "item.publication_changed": {
        "en": "item {id}: publication {pub} changed while you looked (the publisher may be "
        "sending it); look again",
        "vi": "Mục #{id}: bài đăng {pub} vừa thay đổi (có thể đang được gửi); hãy xem lại.",
    },
    "item.approved_already": {
        "en": "{user} has already approved item {id} as it stands (version {version}); it "
        "waits for another approver",
        "vi": "{user} đã duyệt mục #{id} ở phiên bản này (phiên bản {version}); mục đang chờ "
        "một người duyệt khác.",
    },
    # the editorial desk: editing, comments (review.py, compose/items.py)
    "item.not_found": {
        "en": "{field}: no item {id}",
        "vi": "{field}: không có mục #{id}.",
    },
    "item.text_empty": {
        "en": "{field}: empty",
        "vi": "{field}: không được để trống.",
    },
    "item.too_long": {
        "en": "{field}: {n} characters, at most {most}",
        "vi": "{field}: {n} ký tự, tối đa {most}.",
    },
    "item.text_problem": {
        "en": "{field}: {problem}",
        "vi": "{field}: chưa đạt yêu cầu kiểm tra: {problem}",
    },
    "item.not_its_channel": {
        "en": "{field}: {channel} is not one of the item's channels ({channels})",
        "vi": "{field}: {channel} không phải kênh của mục này ({channels}).",
    },
    "item.media_missing": {
        "en": "{field}: {path} does not exist",
        "vi": "{field}: không có tệp {path}.",
    },
    "item.media_unusable": {
        "en": "{field}: {problem}",
        "vi": "{field}: tệp không dùng được: {problem}",
    },
    "item.media_refused": {
        "en": "{field}: {channel} ({platform}) would refuse it: {problems}",
        "vi": "{field}: kênh {channel} ({platform}) sẽ không nhận tệp này: {problems}",
    },
    "item.time_no_zone": {
        "en": "{field}: give the time zone (e.g. 2026-03-15T08:00+07:00)",
        "vi": "{field}: hãy ghi cả múi giờ (ví dụ 2026-03-15T08:00+07:00).",
    },
    "item.time_past": {
        "en": "{field}: {at} is in the past (it is {now} now)",
        "vi": "{field}: {at} đã qua (bây giờ là {now}).",
    },
    "item.outside_windows": {
        "en": "{field}: {at} is outside the posting windows of {channel} ({windows}); choose "
        "a time inside them, or an approver may override with a reason",
        "vi": "{field}: {at} nằm ngoài khung giờ đăng của kênh {channel} ({windows}); hãy chọn "
        "giờ trong khung, hoặc người duyệt có thể cho đăng ngoài khung kèm lý do.",
    },
    "item.may_not_override": {
        "en": "{user} ({role}) may not schedule outside the posting windows; an approver may, "
        "with a reason",
        "vi": "{user} ({role}) không được đặt giờ đăng ngoài khung; người duyệt có thể làm việc "
        "này kèm lý do.",
    },
    "item.override_reason": {
        "en": "{field}: posting outside the windows needs a reason",
        "vi": "{field}: đăng ngoài khung giờ cần ghi lý do.",
    },
    "item.countdown_past": {
        "en": "{field}: the card counts down to {event} on {date}, and {day} is not before it; "
        "choose an earlier day, or attach another image",
        "vi": "{field}: thẻ đếm ngược đến {event} ngày {date}, mà ngày {day} không còn trước "
        "ngày đó; hãy chọn ngày sớm hơn, hoặc đính kèm ảnh khác.",
    },
    "item.countdown_text": {
        "en": "{field}: still says “{old}”, which the new day makes wrong; it now says “{new}”",
        "vi": "{field}: vẫn ghi “{old}”, không còn đúng với ngày mới; nay phải là “{new}”.",
    },
    "item.card_stale": {
        "en": "{field}: the card names {date}, which has passed on {day}; choose an earlier "
        "day, or attach another image",
        "vi": "{field}: thẻ nhắc đến ngày {date}, đã qua vào ngày {day}; hãy chọn ngày sớm hơn, "
        "hoặc đính kèm ảnh khác.",
    },
    "item.card_unavailable": {
        "en": "{field}: the card ({ref}) cannot be drawn again for another day (its campaign "
        "or key date is no longer there); keep the day, or attach another image",
        "vi": "{field}: không vẽ lại được thẻ ({ref}) cho ngày khác (chiến dịch hoặc ngày "
        "trọng đại của thẻ không còn); hãy giữ nguyên ngày, hoặc đính kèm ảnh khác.",
    },
    # a caption against a platform's hard limits (platforms/preview.py)
    "caption.title_too_long": {
        "en": "{label}: title {n} > {max} characters",
        "vi": "{label}: tiêu đề {n} > {max} ký tự.",
    },
    "caption.summary_too_long": {
        "en": "{label}: summary {n} > {max} characters",
        "vi": "{label}: phần tóm tắt {n} > {max} ký tự.",
    },
    "caption.too_long": {
        "en": "{label}: {n} > {max} {measure}; shorten by {over}",
        "vi": "{label}: {n} > {max} {measure}; cần bớt {over}.",
    },
    "caption.too_many_hashtags": {
        "en": "{label}: {n} hashtags > {max}",
        "vi": "{label}: {n} hashtag > {max}.",
    },
    # incidents: a false claim and the office's clarification (incidents/core.py)
    "incident.empty": {
        "en": "{field}: empty",
        "vi": "{field}: không được để trống.",
    },
    "incident.invisible_chars": {
        "en": "{field}: holds control or invisible characters ({chars})",
        "vi": "{field}: có ký tự điều khiển hoặc ký tự ẩn ({chars}); hãy viết văn bản thường.",
    },
    "incident.too_long": {
        "en": "{field}: {n} characters, at most {most}",
        "vi": "{field}: {n} ký tự, tối đa {most}.",
    },
    "incident.evidence_not_link": {
        "en": "{field}: {url!r} is not a link (http:// or https://); evidence is links to "
        "public posts only, never a name or a profile",
        "vi": "{field}: {url!r} không phải đường dẫn (http:// hoặc https://); bằng chứng chỉ "
        "là đường dẫn đến bài đăng công khai, không ghi tên hay trang cá nhân.",
    },
    "incident.evidence_credentials": {
        "en": "{field}: {url!r}: a link holds no user or password",
        "vi": "{field}: {url!r}: đường dẫn không được chứa tên đăng nhập hay mật khẩu.",
    },
    "incident.evidence_url_too_long": {
        "en": "{field}: a link of {n} characters, at most {most}",
        "vi": "{field}: có đường dẫn dài {n} ký tự, tối đa {most}.",
    },
    "incident.evidence_too_many": {
        "en": "{field}: {n} links, at most {most}",
        "vi": "{field}: {n} đường dẫn, tối đa {most}.",
    },
    "incident.no_user": {
        "en": "{field}: {user!r} is not an active phuxanh user",
        "vi": "{field}: {user!r} không phải người dùng phuxanh đang hoạt động.",
    },
    "incident.not_found": {
        "en": "{field}: no incident {id}",
        "vi": "{field}: không có vụ việc #{id}.",
    },
    "incident.closed": {
        "en": "{field}: incident {id} is closed",
        "vi": "{field}: vụ việc #{id} đã đóng.",
    },
    "incident.bad_severity": {
        "en": "{field}: {severity!r} is not one of {choices}",
        "vi": "{field}: {severity!r} không phải một trong các mức {choices}.",
    },
    "incident.may_not_open": {
        "en": "{field}: {user} ({role}) may not open an incident",
        "vi": "{field}: {user} ({role}) không có quyền mở vụ việc.",
    },
    "incident.no_unit": {
        "en": "{field}: no unit {unit!r}",
        "vi": "{field}: không có đơn vị {unit!r}.",
    },
    "incident.outside_unit": {
        "en": "{field}: {user} is not in {unit} or a unit above it",
        "vi": "{field}: {user} không thuộc đơn vị {unit} hay một đơn vị cấp trên của đơn vị đó.",
    },
    "incident.may_not_set_spokesperson": {
        "en": "{field}: {user} is an {role}; a manager or an admin sets it",
        "vi": "{field}: {user} là {role}; chỉ lãnh đạo hoặc quản trị đặt người phát ngôn.",
    },
    "incident.no_facts": {
        "en": "{field}: give at least one official fact from the catalog (with its source)",
        "vi": "{field}: hãy chọn ít nhất một thông tin chính thức trong danh mục (có nguồn).",
    },
    "incident.too_many_facts": {
        "en": "{field}: {n} facts, at most {most} (the card lists them)",
        "vi": "{field}: {n} thông tin, tối đa {most} (thẻ liệt kê các thông tin này).",
    },
    "incident.no_fact": {
        "en": "{field}: no fact {fact!r} in the catalog",
        "vi": "{field}: không có thông tin {fact!r} trong danh mục.",
    },
    "incident.fact_unsourced": {
        "en": "{field}: {fact} has no source; a clarification cites every fact",
        "vi": "{field}: thông tin {fact} chưa có nguồn; bài làm rõ dẫn nguồn mọi thông tin.",
    },
    "incident.fact_too_long": {
        "en": "{field}: {fact} is {n} characters, the card holds {most}",
        "vi": "{field}: thông tin {fact} dài {n} ký tự, thẻ chỉ chứa được {most}.",
    },
    "incident.no_channels": {
        "en": "{field}: give at least one of the office's channels",
        "vi": "{field}: hãy chọn ít nhất một kênh của cơ quan.",
    },
    "incident.no_channel": {
        "en": "{field}: no channel {channel!r}",
        "vi": "{field}: không có kênh {channel!r}.",
    },
    "incident.not_own_channel": {
        "en": "{field}: {channel} is not a channel of {user}'s unit",
        "vi": "{field}: {channel} không phải kênh của đơn vị của {user}.",
    },
    "incident.no_spokesperson": {
        "en": "unit {unit}: {missing}: not set (a clarification names them); set with "
        "`phuxanh unit set-spokesperson {unit} --name … --title … --hotline …`",
        "vi": "Đơn vị {unit} chưa có đủ người phát ngôn, chức danh và đường dây nóng mà bài "
        "làm rõ phải nêu (còn thiếu: {missing}); lãnh đạo đơn vị cài đặt bằng lệnh "
        "`phuxanh unit set-spokesperson {unit} --name … --title … --hotline …`.",
    },
    "incident.channel_caption": {
        "en": "{field}: {channel}: {problem}",
        "vi": "{field}: kênh {channel}: {problem}",
    },
    "incident.channel_refuses": {
        "en": "{field}: {channel} ({platform}) cannot take it: {problem}",
        "vi": "{field}: kênh {channel} ({platform}) không nhận được bài này: {problem}",
    },
    "incident.may_not_draft": {
        "en": "{field}: {user} is an {role}; a clarification is drafted by an editor, a "
        "manager or an admin",
        "vi": "{field}: {user} là {role}; bài làm rõ do biên tập viên, lãnh đạo hoặc quản trị "
        "soạn.",
    },
    "incident.outside_incident_unit": {
        "en": "{field}: {user} is not in the incident's unit or one above it",
        "vi": "{field}: {user} không thuộc đơn vị của vụ việc hay một đơn vị cấp trên.",
    },
    "incident.text_problem": {
        "en": "{field}: {problem}",
        "vi": "{field}: chưa đạt yêu cầu kiểm tra: {problem}",
    },
    "incident.time_no_zone": {
        "en": "{field}: give the time zone (e.g. 2026-03-15T08:00+07:00)",
        "vi": "{field}: hãy ghi cả múi giờ (ví dụ 2026-03-15T08:00+07:00).",
    },
    "incident.clarification_waiting": {
        "en": "{field}: {channel} has clarification #{item} of this incident waiting already "
        "(edit it, or reject it first)",
        "vi": "{field}: kênh {channel} đã có bài làm rõ #{item} của vụ việc này đang chờ (hãy "
        "sửa bài đó, hoặc từ chối nó trước).",
    },
    "incident.no_pause_channels": {
        "en": "{field}: give at least one channel to pause",
        "vi": "{field}: hãy chọn ít nhất một kênh cần tạm dừng.",
    },
    "incident.close_waiting": {
        "en": "{field}: clarifications {items} of incident {id} wait for approval or to go "
        "out; an approver closes it (and withdraws them), or let them go out first",
        "vi": "{field}: bài làm rõ {items} của vụ việc #{id} đang chờ duyệt hoặc chờ đăng; "
        "người duyệt đóng vụ việc (và rút các bài đó lại), hoặc hãy để các bài đăng xong "
        "trước.",
    },
    "incident.may_not_close": {
        "en": "{field}: {user} may not close incident {id} (its owner, or an approver, "
        "manager or admin of its unit)",
        "vi": "{field}: {user} không có quyền đóng vụ việc #{id} (chỉ người phụ trách, hoặc "
        "người duyệt, lãnh đạo, quản trị của đơn vị).",
    },
    # settling a publication in doubt (publish/resolve.py)
    "publication.url_unsafe": {
        "en": "{field}: {url!r} is not the post's http(s) URL (spaces, markup or control "
        "characters)",
        "vi": "{field}: {url!r} không phải đường dẫn (URL) http(s) của bài đăng (có dấu "
        "cách, thẻ hoặc ký tự điều khiển).",
    },
    "publication.url_invalid": {
        "en": "{field}: {url!r} is not the post's http(s) URL",
        "vi": "{field}: {url!r} không phải đường dẫn (URL) http(s) của bài đăng.",
    },
    "publication.url_no_host": {
        "en": "{field}: {url!r} is not the post's http(s) URL (https://… with the platform's host)",
        "vi": "{field}: {url!r} không phải đường dẫn (URL) http(s) của bài đăng (https://… "
        "với tên miền của nền tảng).",
    },
    "publication.url_credentials": {
        "en": "{field}: {url!r} is not a post's public URL (it carries a user name or password)",
        "vi": "{field}: {url!r} không phải đường dẫn (URL) công khai của bài đăng (có chứa "
        "tên đăng nhập hoặc mật khẩu).",
    },
    "publication.reason_too_long": {
        "en": "{field}: one line of at most {most} printable characters",
        "vi": "{field}: chỉ một dòng, tối đa {most} ký tự in được.",
    },
    "publication.reason_needed": {
        "en": "{field}: give the reason people will read",
        "vi": "{field}: hãy ghi lý do để mọi người đọc được.",
    },
    "publication.resolver_role": {
        "en": "{user} is an {role}; settling a publication needs an approver, a manager or "
        "an admin",
        "vi": "{user} là {role}; chỉ người duyệt, lãnh đạo hoặc quản trị mới xác nhận được "
        "bài đăng.",
    },
    "publication.not_waiting": {
        "en": "publication {pub} is {status}; only {states} wait for a person",
        "vi": "Bài đăng {pub} đang ở trạng thái “{status}”; chỉ bài đăng ở trạng thái "
        "{states} mới chờ người xác nhận.",
    },
    "publication.changed": {
        "en": "publication {pub} changed while you looked (the publisher may be checking it); "
        "look again",
        "vi": "Bài đăng {pub} vừa thay đổi (có thể đang được kiểm tra); hãy xem lại.",
    },
    # reports (reports/model.py, reports/figures.py, core/dates.py)
    "period.invalid": {
        "en": "{field}: {text!r} is not YYYY-MM, YYYY-Qn, YYYY-Hn or YYYY",
        "vi": "{field}: {text!r} không có dạng YYYY-MM, YYYY-Qn, YYYY-Hn hoặc YYYY.",
    },
    "period.no_month": {
        "en": "{field}: month {month} does not exist",
        "vi": "{field}: không có tháng {month}.",
    },
    "date.year_out_of_range": {
        "en": "{field}: {value!r}: the year must be between {first} and {last}",
        "vi": "{field}: {value!r}: năm phải nằm trong khoảng {first} đến {last}.",
    },
    "report.no_unit": {
        "en": "{field}: no unit {unit!r}",
        "vi": "{field}: không có đơn vị {unit!r}.",
    },
}

# Which vocabulary a parameter's value comes from, by the parameter's name.
KINDS: dict[str, str] = {
    "status": "status",
    "states": "status",
    "role": "role",
    "decision": "decision",
    "doing": "doing",
    "measure": "measure",
}

# The words of the data model in each language other than English (which keeps the
# model's own word). Statuses and roles as the desk shows them (dashboard/strings.py).
WORDS: dict[str, dict[str, dict[str, str]]] = {
    "vi": {
        "status": {
            # ItemStatus
            "draft": "Bản nháp",
            "in_review": "Chờ duyệt",
            "changes_requested": "Cần sửa",
            "approved": "Đã duyệt",
            "scheduled": "Chờ đăng",
            "published": "Đã đăng",
            "rejected": "Từ chối",
            "failed": "Lỗi",
            # PubState (the others are above)
            "claimed": "Đã nhận để gửi",
            "sending": "Đang gửi",
            "processing": "Nền tảng đang xử lý",
            "needs_check": "Cần kiểm tra",
            "missed": "Quá giờ",
            "paused": "Tạm dừng",
        },
        "role": {
            "editor": "biên tập viên",
            "approver": "người duyệt",
            "manager": "lãnh đạo",
            "admin": "quản trị",
        },
        "decision": {
            "reject": "từ chối",
            "request_changes": "yêu cầu sửa",
        },
        "doing": {
            "being sent": "đang được gửi",
            "processing": "đang được nền tảng xử lý",
        },
        "measure": {
            "characters": "ký tự",
            "weighted characters": "ký tự (theo cách đếm có trọng số)",
        },
    },
}


def template(code: str, lang: str) -> str:
    """The template of `code` in `lang`; a KeyError names a code or language not here."""
    try:
        by_lang = CATALOG[code]
    except KeyError:
        raise KeyError(f"message code {code!r} is not in phuxanh/core/messages.py") from None
    try:
        return by_lang[lang]
    except KeyError:
        raise KeyError(f"message {code!r} has no {lang!r} text") from None


def word(name: str, value: object, lang: str) -> object:
    """A parameter's value in `lang`: its word when `name` is one of `KINDS` and the
    vocabulary knows it, else the value itself (English keeps the model's words)."""
    kind = KINDS.get(name)
    if kind is None or lang == "en":
        return value
    return WORDS[lang][kind].get(str(value), value)
