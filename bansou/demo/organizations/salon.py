"""みらいキャリアサロン: career salons inside correspondence high schools (scenarios.md).
Names and text are fictional."""

from bansou.core.roles import Role
from bansou.demo.specs import (
    DemoAccompaniment,
    DemoAppointmentType,
    DemoAvailability,
    DemoClient,
    DemoClosure,
    DemoEngagement,
    DemoOrganization,
    DemoPerson,
    DemoPhase,
    DemoProgram,
    DemoSeries,
    DemoSupporter,
    DemoTarget,
    DemoTraining,
    DemoVenue,
    PastSession,
)
from bansou.engagements.cadence import Rule
from bansou.engagements.models import Session
from bansou.orgs.models import Organization, Venue
from bansou.people.models import ClientProfile
from bansou.programs.models import Phase, Program

P = DemoPerson
C, S, CL, PA, V = Role.COORDINATOR, Role.SUPPORTER, Role.CLIENT, Role.PARTNER, Role.VIEWER

ORGANIZATION = DemoOrganization(
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
    accompaniment=DemoAccompaniment(
        coordinator="coordinator@salon.example",
        program=DemoProgram(
            slug="salon-2026",
            name="校内キャリアサロン 2026年度",
            kind=Program.Kind.SALON,
            description="通信制高校の校内で週1回・約3時間のキャリアサロンを開きます。立ち寄り・予約・声かけのどれでも歓迎です。",
            start=-200,
            end=160,
            quiet_after_days=21,
            phases=(
                DemoPhase("支援者研修", Phase.Kind.PRE_TRAINING, -200, -186),
                DemoPhase("サロン開催期間", Phase.Kind.ACTIVE, -185, 130),
                DemoPhase("年度末の振り返り", Phase.Kind.REFLECTION, 131, 160),
            ),
            targets=(
                DemoTarget("訪問校数", "校", 22),
                DemoTarget("サロン開催回数", "回", 247),
                DemoTarget("来室数", "人", 757),
            ),
            trainings=(
                DemoTraining(
                    "キャリアサロン支援者研修",
                    -195,
                    ("supporter@salon.example", "supporter2@salon.example"),
                ),
            ),
            appointment_types=(
                DemoAppointmentType(
                    "サロン個別相談（30分）",
                    30,
                    "in_person",
                    venue="ひかり通信制高等学校 本校",
                    room="図書室",
                ),
            ),
        ),
        supporters=(
            DemoSupporter(
                "supporter@salon.example",
                ("進路選択", "就職支援", "高校生"),
                ("ja",),
                "元高校教員のキャリアコンサルタントです。生徒さんの「なんとなく」を一緒にことばにします。",
                "21012345",
                "male",
            ),
            DemoSupporter(
                "supporter2@salon.example",
                ("自己理解", "不登校経験", "保護者対応"),
                ("ja", "en"),
                "通信制高校の卒業生です。話すのが苦手でも大丈夫。",
                "22054321",
            ),
        ),
        clients=tuple(
            DemoClient(
                email,
                ClientProfile.Category.HIGH_SCHOOL,
                "卒業後の進路",
                grade=grade,
                at_first_venue=True,
                minor=True,
            )
            for email, grade in (("client@salon.example", "2年"), ("client2@salon.example", "3年"))
        ),
        engagements=(
            DemoEngagement(
                client="client@salon.example",
                supporter="supporter@salon.example",
                author="supporter@salon.example",
                goals="卒業までに、自分で選んだ進路を決める。",
                mode=Session.Mode.IN_PERSON,
                at_first_venue=True,
                past=(
                    PastSession(
                        35,
                        14,
                        30,
                        ("自己理解",),
                        "好きなこと・得意なことを書き出しました。絵を描くことと、人の話を聞くことが出てきました。",
                        "声かけで初来室。最初は緊張していたが後半は笑顔。家庭の話は今回は触れず。",
                        (
                            "好きなことを仕事につなげる考え方",
                            "人の話を聞くのが好きだと気づいた",
                            "美術の先生に話してみる",
                            3,
                        ),
                    ),
                    PastSession(
                        21,
                        14,
                        40,
                        ("情報提供", "進路選択"),
                        "デザイン系の専門学校と短大の違いを一緒に調べました。",
                        "学費の心配あり。奨学金の情報を次回持参する。",
                        (
                            "専門学校は2年で資格が取れること",
                            "お金のことを先に調べたい",
                            "奨学金のページを見る",
                            4,
                        ),
                    ),
                    PastSession(
                        7,
                        14,
                        40,
                        ("進路選択", "生活・家庭"),
                        "奨学金の種類を確認し、オープンキャンパスの日程を決めました。",
                        "保護者とも話せたとのこと。進路未決定リスクは下がっている。",
                        (
                            "給付型の奨学金があること",
                            "自分で決めていいんだと思えた",
                            "11月のオープンキャンパスに行く",
                            5,
                        ),
                    ),
                ),
                series=DemoSeries(
                    first_day=7, until=40, hour=14, minutes=40, rule=Rule.WEEKLY, limit=3
                ),
            ),
            DemoEngagement(
                client="client2@salon.example",
                supporter="supporter2@salon.example",
                author="supporter2@salon.example",
                goals="就職か進学か、まず選択肢を知る。",
                mode=Session.Mode.IN_PERSON,
                at_first_venue=True,
                past=(
                    PastSession(
                        45,
                        15,
                        30,
                        ("情報提供",),
                        "高卒求人の見方を説明しました。",
                        "アルバイト先の店長から誘いがあるとのこと。",
                    ),
                    PastSession(30, 15, 30, (), "", status=Session.Status.NO_SHOW),
                    PastSession(16, 15, 30, (), "", status=Session.Status.NO_SHOW),
                ),
            ),
        ),
    ),
    availability=(
        # The salon meets on Wednesday afternoons at the school.
        DemoAvailability(
            ("supporter@salon.example", "supporter2@salon.example", "coordinator@debut.example"),
            (2,),
            (("13:00", "17:00"),),
            per_day=4,
        ),
    ),
    closures=(DemoClosure("夏季休業", (8, 11), (8, 16)),),
)
