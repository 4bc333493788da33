"""Word lists behind the personal-data patterns of :mod:`bot.text.personal_data`.

Two spellings live side by side because citizens type both: the accented lower case form
("thôn", "muốn") and the accent-free one ("thon", "muon"). Lists compared with ``LOWER`` hold
both, so an accented token is only ever compared with accented words and "Thị" (a middle name)
never meets "thì" (a particle). Accent-free forms that are also common name syllables
("thi", "nam", "tai", "lam", "chi", ...) are deliberately left out of the stop list.

Trigger phrases are written folded (lower case, no diacritics) in a tiny grammar:
``(a|b c)`` is a choice of one- or multi-word alternatives, a trailing ``?`` makes it optional.
"""

from __future__ import annotations

import re

# The marks that replace personal data, by kind; they are never matched again.
MARKS: dict[str, str] = {
    "email": "[email]",
    "cccd": "[số định danh]",
    "phone": "[số điện thoại]",
    "name": "[họ tên]",
    "address": "[địa chỉ]",
    "birth_date": "[ngày sinh]",
    "bank_account": "[số tài khoản]",
    "plate": "[biển số xe]",
}

# --- Names --------------------------------------------------------------------------------------

# Words that end a name: function words, particles, pronouns, common verbs and nouns of the domain.
_STOPS_ACCENTED = """
tôi tớ tui mình em chị ông bà con cháu bé vợ chồng bố mẹ cha má họ nó là và với của cho ở tại thì mà
nhưng để đã đang sẽ muốn cần hỏi xin làm được có không chưa rồi nhé nhe nha ạ à ơi ạh vậy thế gì nào sao
đâu bao nhiêu khi nếu vì nên đi đến về từ trong ngoài trên dưới sinh ngày tháng số điện thoại sđt đt
địa chỉ nhà hiện ký nộp cấp đổi giấy hồ sơ thủ tục bị mất cũng vừa xong nay hôm này kia ấy đó sống
thường trú tạm quê căn cước định danh khoản nhờ giúp hướng dẫn biết gửi nhận lấy mua bán chuyển kết hôn
ly sắp cùng thôi luôn viết ghi đầy đủ theo như trùng sai khác đúng sử dụng đăng khai đây hay hoặc còn
rất lắm thấy xem bên phía người chủ tên cảm chào dạ vâng
""".split()
_STOPS_ASCII = """
toi tui em ong con be chong bo me cha la va voi cua cho o de se muon can hoi xin duoc co khong ko k chua
roi nhe nha a ah ak oi vay gi j nao sao dau nhieu khi neu nen di den ve ngoai tren duoi sinh ngay so
thoai sdt dt dia ky nop cap doi giay tuc bi mat cung vua xong nay hom kia day song tru que cuoc khoan
nho giup biet gui lay mua ban chuyen ket hon sap luon khai dk dky dc ntn bn email mail cccd cmnd cmt stk
tk hay hoac xem nguoi ten viet ghi theo nhu trung sai khac dung su ad admin ok oke
""".split()
NAME_STOPS: list[str] = sorted(set(_STOPS_ACCENTED) | set(_STOPS_ASCII))

# Honorifics and kinship terms before a capitalised given name ("anh Hùng", "bà Đinh Thị Lan").
# Accent-free "di" (đi, "go") and "ban" (bản, a village) are left out: too often something else.
HONORIFICS: list[str] = """
anh chị em ông bà cô chú bác cậu dì mợ thím cháu bạn thầy cụ
anh chi em ong ba co chu bac cau chau
""".split()

# Common family names ("Nguyễn Văn Hùng" without any trigger).
SURNAMES: list[str] = """
nguyễn trần lê phạm hoàng huỳnh phan vũ võ đặng bùi đỗ hồ ngô dương lý lò đinh hà bạch quách mai
trương đào cao lương tạ vi lục bế nông triệu kiều đoàn lâm trịnh lưu mạc thái lường hứa giáp khuất
ninh tống
nguyen tran le pham hoang huynh phan vu vo dang bui do ho ngo duong ly lo dinh ha bach quach
truong dao cao luong ta vi luc trieu kieu doan lam trinh luu luong hua giap khuat tong
""".split()

# Any-case payload after these ("tôi tên là nguyen van an", "họ tên: ...", "người nhận: ...").
NAME_TRIGGERS = [
    "ten (la|:)",
    "(toi|em|minh|tui|to|chau|con|be|no|anh|chi|ong|ba|vo|chong|bo|me) ten (la|:)?",
    "ten (khai sinh|day du|that|goi|o nha|thuong goi)? (cua)?"
    " (toi|em|minh|tui|con|chau|be|vo|chong|bo|me|anh|chi)? (toi|em|minh)? (la|:)",
    "ho (va)? ten (day du)? (la|:)?",
    "ho (va)? ten (day du)? (cua)? (toi|em|minh|con|chau|be|nguoi nhan) (la|:)?",
    "nguoi (nhan|khai|yeu cau|de nghi|dai dien|uy quyen|duoc uy quyen|lien he|nop|giam ho|lam don) :",
    "(chu ho|chu so huu|chu xe) :",
    "ten (chu tai khoan|chu tk|tai khoan|tk) (la|:)?",
    "(chu tai khoan|chu tk) (la|:)",
]
# Capitalised payload only: "em là Nguyễn Văn Hùng" but not "em là sinh viên".
NAME_TITLE_TRIGGERS = [
    "(toi|em|minh|tui|chau|con|be) (la|ten)",
    # "người đề nghị là luật sư nước ngoài" is no name: after "là" only a capitalised one is.
    "nguoi (nhan|khai|yeu cau|de nghi|dai dien|uy quyen|duoc uy quyen|lien he|nop|giam ho|lam don) la",
    "(chu ho|chu so huu|chu xe) la",
    # Titles and occupations used as honorifics: "cô giáo Hạnh", "trưởng thôn Bùi Văn Tâm".
    "(co giao|thay giao|bac si|chu tich|pho chu tich|truong thon|truong xom|dong chi|chu tai khoan|chu tk)",
]
# Staff named by their role: "cán bộ Lê Văn Sơn phòng tư pháp", "chuyên viên Hà" (capitalised only).
ROLE_TRIGGERS = ["(can bo|chuyen vien|ke toan|thu ky|van thu|truong phong|pho phong|giam doc|dong chi)"]
# Capitalised words after a role that name its office, not a person ("cán bộ Tư pháp", "Một cửa").
ROLE_NOT_NAME = set(
    """
    tư một địa văn hộ tiếp lao tài kế thuế xã phường huyện tỉnh quận thị ubnd ủy uỷ trung tòa ngân
    công bảo kho chi ban bệnh tu mot dia van ho tiep lao tai ke thue xa phuong huyen tinh quan thi
    trung ngan cong bao kho chi ban benh
    """.split()
)
# A lower-case sequence led by a family name is a name after these ("toi la ha van chung",
# "chu tk dinh van quy", "nguoi nhan hoang van tuan"); a capitalised one is caught anyway.
SURNAME_TRIGGERS = [
    "ten (la|:)?",
    "(toi|em|minh|tui|chau|con|anh|chi|ong|ba) (la|ten)",
    "(ten)? (chu tai khoan|chu tk|chu ho|chu xe) (la|:)?",
    "(nguoi nhan|nguoi gui|nguoi nop|nguoi khai|nguoi lien he|nguoi uy quyen) (la|:)?",
]
# Family names folded, for lower-case text without diacritics.
FOLDED_SURNAMES = set(
    """
    nguyen tran le pham hoang huynh phan vu vo dang bui do ho ngo duong ly dinh quach xa ha lo sa
    luong cam vi mua giang trinh mai cao lam chu kieu dao doan tang thai ta la truong bach luu tong
    trieu khuat hua giap luc be nong ninh mac lai thach kim tong hau
    """.split()
)
# Lower-case family names, accented ("đặng", never "đăng") or not.
LOWER_SURNAMES = (
    FOLDED_SURNAMES | set(SURNAMES) | set("sa cầm mùa giàng chu tăng la lại thạch kim hầu".split())
)
# Ordinary words that begin with a family name's syllable: "hồ sơ", "lệ phí", "lý do", "tờ khai".
NOT_NAME_PAIRS = {
    pair.strip()
    for pair in """
    chu ho|chu tich|chu nha|chu dat|chu xe|chu tk|chu tai|chu so|chu dau|chu quan|chu ky|ho so|ho khau
    ho chieu|ho tich|ho ngheo|ho kinh|ho tro|ho gia|ho ten|le phi|le tan|ly do|ly lich|ly hon|mai tang
    dao tao|phan mem|phan anh|phan hoi|vu viec|ha tang|cao dang|lam viec|lam sao|lam the|lam lai
    lam giay|lam ho|lam cccd|lam gi|lam thu|lam nghe|lam ruong|cam on|cam ket|tang cho|thai san
    dinh chinh|dinh cu|dang ky|dang vien|dang lam|do thi|vi pham|vi tri|truong hop|truong phong
    truong thon|trinh tu|trinh bay|mua ban|tong dai|kim loai|giang vien|luong huu|luong thang
    luc luong|bach khoa|la nguoi|la chu|cao tuoi|tran nha|hua hen|duong pho|ngo hem|be tong
    dang nhap|ho va|ha noi|la ai|la gi|mai moi|mai lai|mai sau|mai kia|mai nay
    """.replace("\n", "|").split("|")
    if pair.strip()
}
# Generic people before "sinh năm 1960": a hypothetical person, not somebody's date of birth.
GENERIC_BORN = set("nguoi tre ai nhung cac moi truong".split())

# Word sequences that are places, never people, whatever precedes them (folded).
PLACES = {
    place.strip()
    for place in """
    mai chau, lac son, kim boi, tan lac, luong son, cao phong, da bac, lac thuy, yen thuy, hoa binh,
    ha noi, ho chi minh, ha giang, ha tinh, ha nam, cao bang, lam dong, da nang, hai phong, thai nguyen,
    thai binh, phu tho, son la, lai chau, ba ria, vung tau, kien giang, lang son, bac giang, bac ninh,
    doan thanh, viet nam, lao, campuchia, trung quoc, han quoc, nhat ban, thai lan, dai loan, nga, my,
    phap, duc
    """.split(",")
}
# First words of agencies: after an honorific they are no given name ("Chi Cục Thủy sản").
AGENCY_WORDS = set("cục sở phòng bộ viện tòa ủy ubnd hội đội trường cuc so bo vien toa uy".split())
# Facilities and agencies named after their hamlet: "Nhà văn hóa thôn Đồng Tâm", "UBND xã ...".
FACILITY_BEFORE = set("hoa ubnd hdnd te truong cho an dinh chua nghia".split())
# Words before a capitalised sequence that make it a place, a street or an agency, not a person.
PLACE_CONTEXT = set(
    """
    xa phuong huyen quan tinh tp pho duong thon xom ban ap khom ngo hem kiet truong cau cho vien khu
    ubnd so phong tran to ga benh tai o den ve tu tram doi nganh cuc bo thcs thpt sang . -
    """.split()
)

# --- Addresses ------------------------------------------------------------------------------------

# Address keywords are written accented and matched on the lower-cased token, accented or not
# ("thôn"/"thon"), so "đổi" (change) never reads as "đội" and "tờ" (map sheet) never as "tổ".
# A trailing "!" keeps the accented spelling only: "ban" is a board ("Ban Tiếp công dân"), "ngo" a name.
# Keywords whose value is a house / lane number ("số nhà 12", "ngõ 34/5", "tổ 3", "kiệt 45").
ADDRESS_NUMBER_KEYWORDS = [
    "(số nhà|nhà số|sn|ngõ|ngách|hẻm|kiệt|tổ|tổ dân phố|khu phố|khu|tiểu khu|căn hộ|ấp) (số)?",
]
# Keywords whose value may be words ("thôn Đồng Bãi", "xóm mới", "tổ dân phố Hữu Nghị").
ADDRESS_WORD_KEYWORDS = ["(thôn|xóm|khóm|tổ dân phố|khu phố|tiểu khu)"]
# Keywords that are ordinary words too ("bản sao", "áp dụng", "ngô"): a capitalised value is required.
ADDRESS_TITLE_KEYWORDS = ["(bản!|ấp!|ngõ!|ngách|hẻm|kiệt!)"]
# A street with a house number before it ("số 12 đường Trần Phú", "12 phố Lê Lợi").
ADDRESS_STREET_KEYWORDS = ["(đường|phố)"]
# Accent-free "ban" (bạn, friend) and "ap" are villages only before a capitalised word or a
# number, or with lower-case words when a commune follows ("o ban na phon, xa tong dau").
AMBIGUOUS_VILLAGE_KEYWORDS = ["ban", "ap"]
# Administrative levels: a place by itself is no personal data, only as part of an address.
ADDRESS_ADMIN_KEYWORDS = [
    "(xã|phường|thị trấn|tt|huyện|quận|thị xã|tx|thành phố|tp|tỉnh) (.)?",
    "(p|q|h|x) .",  # "P. Tân Thịnh", "H. Lạc Sơn"
]
# Compounds in which an address keyword is an ordinary word: "nông thôn" (countryside), "làng xóm".
NOT_ADDRESS = {"nong thon", "lang xom", "xom lang", "thon xom", "duong pho"}
# Accent-free "xa" is "xã" (commune) or "xa" (far): "o xa trung tam", "xa qua".
NOT_ADDRESS_VALUES = ("xa trung tam", "xa qua", "xa xoi", "xa nha", "xa lam", "xa hon")
# "bản" after these is a copy or a document ("01 bản Kế hoạch", "văn bản Ban chỉ huy"), not a village.
# "ban" before these is a board ("ban Giám đốc", "Ban Tiếp công dân", "ban tổ chức"), not a village.
BOARD_WORDS = set("giam chi quan tiep to thuong kinh tuyen phap bien thu".split())
NOT_VILLAGE_BEFORE = set("van bien mot cac nhung moi tung hai ba ban uy truong pho . ; )".split())
# Value words never taken into a component: they start the next one.
# ("Kiệt" is left out: it ends street names, "Lý Thường Kiệt".)
ADDRESS_BREAKS = """
hội xã phường huyện quận tỉnh thôn xóm ấp khóm ngõ ngách hẻm đường phố số tổ bản thị
xa phuong huyen quan tinh tp thon xom ngo ngach hem duong pho so sn tt tx
""".split()
# "Địa chỉ: ...", "thường trú tại ...": whatever address follows is the writer's own.
ADDRESS_STRONG_TRIGGERS = [
    "dia chi (cua)? (toi|em|minh|nha toi|nha em|nha minh|con|chau)? (thuong tru|tam tru|lien he)? (la|:)",
    "dia chi (cua toi|cua em|cua minh|nha toi|nha em|nha minh|thuong tru|tam tru|lien he|hien nay|hien tai)",
    "(dc|d / c) :",
    "(thuong tru|tam tru|cu tru|ho khau thuong tru|ho khau|hktt|que quan|noi o|cho o) (hien nay|hien tai)?"
    " (tai|o|:|la)?",
    "(tru|que) (tai|o|:)",  # bare "tru" folds "trừ" (except) too
    "nha (toi|em|minh|tui|chau) (o|tai)",
    "(song|dang song|hien dang song|hien song) (o|tai)",
]
# "tôi ở ...": an address only when it has two components or more ("xã X, huyện Y").
ADDRESS_WEAK_TRIGGERS = ["(toi|em|minh|tui|chau|con|chung toi|gia dinh toi) (dang|hien|hien dang)? o"]

# --- Dates of birth, bank accounts, identity numbers -----------------------------------------------

BIRTH_TRIGGERS = [
    "sinh (vao|hom|luc)? (ngay|nam|thang)? (:)?",
    "ngay (thang nam)? sinh (cua)? (toi|em|minh|con|chau|be)? (la|:)?",
    "nam sinh (cua)? (toi|em|minh|con|chau|be)? (la|:)?",
    "(ns|dob) (:)?",
]
BANKS: list[str] = """
vietcombank vcb bidv agribank techcombank tcb mb mbbank vietinbank ctg acb tpbank sacombank vpbank shb
hdbank ocb msb vib seabank lpbank eximbank scb abbank namabank bacabank pvcombank
""".split()
BANK_TRIGGERS = [
    "(stk|so tk|so tai khoan|tai khoan|tai khoan ngan hang|tk|tk ngan hang|so tk ngan hang) (ngan hang)?",
]
ID_TRIGGERS = [
    "(cccd|cmnd|cmt|can cuoc|can cuoc cong dan|so dinh danh|dinh danh ca nhan|so dinh danh ca nhan"
    "|chung minh nhan dan|chung minh thu|so cccd|so cmnd) (cua)? (toi|em|minh)? (so)? (la|:)?",
]

_GROUP = re.compile(r"\(([^)]*)\)(\?)?|(\S+)")
Slot = tuple[tuple[str, ...], bool]  # alternative words for one token, optional or not


def expand(phrase: str) -> list[list[Slot]]:
    """The token slots a trigger phrase stands for.

    A group of one-word alternatives stays one slot ("(la|:)?" → (("la", ":"), optional)), so the
    matcher gets few patterns; groups with multi-word alternatives are spelt out one by one.
    """
    sequences: list[list[Slot]] = [[]]
    for group, optional, word in _GROUP.findall(phrase):
        alternatives = [a.split() for a in group.split("|")] if group else [[word]]
        if all(len(a) == 1 for a in alternatives):
            slot = (tuple(a[0] for a in alternatives), bool(optional))
            sequences = [seq + [slot] for seq in sequences]
            continue
        options: list[list[Slot]] = [[((w,), False) for w in a] for a in alternatives]
        options += [[]] if optional else []
        sequences = [seq + option for seq in sequences for option in options]
    return sequences
