from bot.knowledge.model import Procedure
from bot.services.candidates import SHORT_TITLE, candidate_titles, numbered, shorten


def procedure(code: str, name: str, levels: tuple[str, ...] = ("Cấp tỉnh",), agency: str = "") -> Procedure:
    return Procedure(
        code=code, name=name, url="", catalogue="Bộ Tư pháp", levels=levels, implementing_agency=agency
    )


def test_a_long_name_is_cut_at_a_word_with_an_ellipsis() -> None:
    text = "Cấp giấy phép hoạt động dịch vụ kiểm định kỹ thuật an toàn lao động đối với máy, thiết bị"
    short = shorten(text, SHORT_TITLE)
    assert len(short) <= SHORT_TITLE and short.endswith("…")
    assert text.startswith(short[:-1]) and text[len(short) - 1] == " "  # the cut falls between words


def test_titles_drop_the_thu_tuc_prefix() -> None:
    [candidate] = candidate_titles([procedure("1.001193", "Thủ tục đăng ký khai sinh")])
    assert candidate.title == "Đăng ký khai sinh"


def test_siblings_that_differ_only_by_level_show_their_level() -> None:
    titles = [c.title for c in candidate_titles([
        procedure("1", "Đăng ký kết hôn cấp xã", ("Cấp xã",)),
        procedure("2", "Đăng ký kết hôn cấp tỉnh", ("Cấp tỉnh",)),
        procedure("3", "Đăng ký khai sinh", ("Cấp xã",)),
    ])]  # fmt: skip
    assert titles == [
        "Đăng ký kết hôn cấp xã (cấp xã)",
        "Đăng ký kết hôn cấp tỉnh (cấp tỉnh)",
        "Đăng ký khai sinh",
    ]


def test_identical_names_are_told_apart_by_level_then_agency() -> None:
    name = "Cấp lại giấy phép xuất nhập cảnh cho người không quốc tịch cư trú tại Việt Nam"
    by_level = candidate_titles([procedure("1", name, ("Cấp tỉnh",)), procedure("2", name, ("Cấp bộ",))])
    assert by_level[0].title.endswith("(cấp tỉnh)") and by_level[1].title.endswith("(cấp bộ)")
    by_agency = candidate_titles([
        procedure("1", name, agency="Phòng quản lý xuất nhập cảnh"),
        procedure("2", name, agency="Cục quản lý xuất nhập cảnh"),
    ])  # fmt: skip
    assert len({c.title for c in by_agency}) == 2
    assert by_agency[1].title.endswith("Cục quản lý xuất nhập cảnh")
    same = candidate_titles([procedure("1", name), procedure("2", name)])
    assert [c.title.rsplit(" ", 1)[-1] for c in same] == ["1", "2"]  # the code, as a last resort


def test_long_names_that_start_alike_stay_distinct() -> None:
    start = "Cấp giấy chứng nhận đủ điều kiện kinh doanh dịch vụ bảo vệ thực vật và các dịch vụ "
    titles = [
        c.title
        for c in candidate_titles([procedure("1", start + "buôn bán"), procedure("2", start + "sản xuất")])
    ]
    assert titles[0] != titles[1]


def test_numbered_lines_carry_the_codes() -> None:
    candidates = candidate_titles(
        [procedure("1.000894", "Đăng ký kết hôn"), procedure("1.001193", "Đăng ký khai sinh")]
    )
    assert numbered(candidates) == "1. Đăng ký kết hôn (mã 1.000894)\n2. Đăng ký khai sinh (mã 1.001193)"
