"""The demo organisations and their people (scenarios.md). Names and text are fictional."""

from dataclasses import dataclass

from bansou.core.roles import Role
from bansou.orgs.models import Organization, Venue


@dataclass(frozen=True)
class DemoPerson:
    email: str
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    role: Role
    language: str = "ja"


@dataclass(frozen=True)
class DemoVenue:
    name: str
    kind: str
    address: str = ""


@dataclass(frozen=True)
class DemoOrganization:
    slug: str
    name: str
    kind: str
    description: str
    venues: tuple[DemoVenue, ...]
    people: tuple[DemoPerson, ...]


P = DemoPerson
C, S, CL, PA, V = Role.COORDINATOR, Role.SUPPORTER, Role.CLIENT, Role.PARTNER, Role.VIEWER

ORGANIZATIONS: tuple[DemoOrganization, ...] = (
    DemoOrganization(
        slug="mirai-salon",
        name="NPO法人 みらいキャリアサロン",
        kind=Organization.Kind.NPO,
        description=(
            "通信制高校に有資格のキャリア支援者を派遣し、校内キャリアサロンを毎週開いています。"
            "進路未決定のままの卒業をなくすことが私たちの使命です。"
        ),
        venues=(
            DemoVenue("ひかり通信制高等学校 本校", Venue.Kind.SCHOOL, "東京都八王子市"),
            DemoVenue("あおぞら高等学校 横浜キャンパス", Venue.Kind.SCHOOL, "神奈川県横浜市"),
            DemoVenue("みなと学園高等学校 千葉学習センター", Venue.Kind.SCHOOL, "千葉県千葉市"),
        ),
        people=(
            P("coordinator@salon.example", "佐藤", "美咲", "サトウ", "ミサキ", C),
            P("supporter@salon.example", "高橋", "健一", "タカハシ", "ケンイチ", S),
            P("supporter2@salon.example", "鈴木", "由紀", "スズキ", "ユキ", S),
            P("client@salon.example", "伊藤", "さくら", "イトウ", "サクラ", CL),
            P("client2@salon.example", "山本", "蓮", "ヤマモト", "レン", CL),
            P("partner@salon.example", "渡辺", "直子", "ワタナベ", "ナオコ", PA),
            P("viewer@salon.example", "小林", "誠", "コバヤシ", "マコト", V),
            P("coordinator@debut.example", "橋本", "恵子", "ハシモト", "ケイコ", S),
        ),
    ),
    DemoOrganization(
        slug="tsunagu-probono",
        name="NPO法人 つなぐプロボノ",
        kind=Organization.Kind.NPO,
        description=(
            "子どもの居場所や障がいのある人を支える小さなNPOの職員に、"
            "2人1組のママメンターが3か月間オンラインで伴走します。"
        ),
        venues=(DemoVenue("オンライン（Zoom）", Venue.Kind.ONLINE),),
        people=(
            P("coordinator@mentor.example", "山口", "由美", "ヤマグチ", "ユミ", C),
            P("supporter@mentor.example", "中村", "真理子", "ナカムラ", "マリコ", S),
            P("supporter2@mentor.example", "加藤", "恵", "カトウ", "メグミ", S),
            P("supporter3@mentor.example", "吉田", "智子", "ヨシダ", "トモコ", S),
            P("supporter4@mentor.example", "山田", "陽子", "ヤマダ", "ヨウコ", S),
            P("client@mentor.example", "松本", "拓也", "マツモト", "タクヤ", CL),
            P("client2@mentor.example", "佐々木", "綾", "ササキ", "アヤ", CL),
            P("client3@mentor.example", "近藤", "美和", "コンドウ", "ミワ", CL),
            P("client4@mentor.example", "石井", "隆", "イシイ", "タカシ", CL),
            P("client5@mentor.example", "長谷川", "舞", "ハセガワ", "マイ", CL),
            P("partner@mentor.example", "井上", "和也", "イノウエ", "カズヤ", PA),
            P("viewer@mentor.example", "木村", "聡", "キムラ", "サトシ", V),
        ),
    ),
    DemoOrganization(
        slug="sakura-univ",
        name="さくら大学 キャリアセンター",
        kind=Organization.Kind.UNIVERSITY,
        description=(
            "留学生を中心に、20〜40分の個別相談を行っています。"
            "面談の最後の数分で学生自身が振り返りを書き、自分の選択につなげます。"
        ),
        venues=(
            DemoVenue("本郷キャンパス キャリアセンター相談室", Venue.Kind.CAMPUS, "東京都文京区"),
        ),
        people=(
            P("coordinator@univ.example", "林", "香織", "ハヤシ", "カオリ", C),
            P("supporter@univ.example", "清水", "亜紀", "シミズ", "アキ", S),
            P("supporter2@univ.example", "陳", "美玲", "チン", "メイリン", S),
            P("supporter3@univ.example", "田中", "聡", "タナカ", "サトシ", S),
            P("client@univ.example", "王", "芳", "ワン", "ファン", CL, "en"),
            P("client2@univ.example", "グエン", "ヴァン アン", "グエン", "ヴァンアン", CL, "en"),
            P("client3@univ.example", "李", "浩然", "リ", "ハオラン", CL, "en"),
            P("client4@univ.example", "金", "志恩", "キム", "ジオン", CL),
            P("client5@univ.example", "スミス", "エミリー", "スミス", "エミリー", CL, "en"),
            P("client6@univ.example", "チャン", "ティ ラン", "チャン", "ティラン", CL, "en"),
            P("client7@univ.example", "シャルマ", "ラム", "シャルマ", "ラム", CL, "en"),
            P("partner@univ.example", "森", "大輔", "モリ", "ダイスケ", PA),
            P("viewer@univ.example", "池田", "浩", "イケダ", "ヒロシ", V),
        ),
    ),
    DemoOrganization(
        slug="onkuri-debut",
        name="恩送りデビュー（橋本恵子キャリア相談室）",
        kind=Organization.Kind.INDEPENDENT,
        description=(
            "資格を取ったばかりのキャリアコンサルタントの「最初の有料クライアント」になる恩送りの取り組みです。"
            "月に最大4名まで受け付けています。"
        ),
        venues=(DemoVenue("オンライン（Google Meet）", Venue.Kind.ONLINE),),
        people=(
            P("coordinator@debut.example", "橋本", "恵子", "ハシモト", "ケイコ", C),
            P("supporter@debut.example", "石川", "翔太", "イシカワ", "ショウタ", S),
            P("client@debut.example", "前田", "彩", "マエダ", "アヤ", CL),
            P("partner@debut.example", "藤田", "美穂", "フジタ", "ミホ", PA),
            P("viewer@debut.example", "岡田", "修", "オカダ", "オサム", V),
        ),
    ),
)
