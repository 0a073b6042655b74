"""みらいキャリアサロン: career salons inside correspondence high schools (scenarios.md).
Names and text are fictional."""

from bansou.core.roles import Role
from bansou.demo.organizations.salon_schools import (
    COHORT,
    GRADES,
    NEW_SUPPORTERS,
    S1,
    S3,
    S4,
    S5,
    S6,
    S7,
    S8,
    SCHOOLS,
    TEACHER_EMAILS,
    TEACHERS,
    teachers_of,
)
from bansou.demo.organizations.salon_surveys import SURVEYS
from bansou.demo.specs import (
    DemoAccompaniment,
    DemoAppointmentType,
    DemoAvailability,
    DemoClient,
    DemoClosure,
    DemoEngagement,
    DemoEvent,
    DemoOrganization,
    DemoPerson,
    DemoPhase,
    DemoProgram,
    DemoSalonRadar,
    DemoSalons,
    DemoSalonVenue,
    DemoSeries,
    DemoStudent,
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
from bansou.programs.models import Kpi, Phase, Program, Target

P = DemoPerson
C, S, CL, PA, V = Role.COORDINATOR, Role.SUPPORTER, Role.CLIENT, Role.PARTNER, Role.VIEWER

# Salon students (besides client@ and client2@): email, names, reading, school, grade.
STUDENTS = (
    ("student01@salon.example", "吉田", "陽菜", "ヨシダ", "ヒナ", 0, "1年"),
    ("student02@salon.example", "山口", "翔", "ヤマグチ", "ショウ", 0, "2年"),
    ("student03@salon.example", "松本", "結衣", "マツモト", "ユイ", 0, "3年"),
    ("student04@salon.example", "井上", "大和", "イノウエ", "ヤマト", 0, "3年"),
    ("student05@salon.example", "木村", "美桜", "キムラ", "ミオ", 0, "2年"),
    ("student06@salon.example", "林", "悠真", "ハヤシ", "ユウマ", 1, "1年"),
    ("student07@salon.example", "清水", "葵", "シミズ", "アオイ", 1, "2年"),
    ("student08@salon.example", "山崎", "湊", "ヤマザキ", "ミナト", 1, "3年"),
    ("student09@salon.example", "森", "凛", "モリ", "リン", 1, "3年"),
    ("student10@salon.example", "池田", "蒼", "イケダ", "アオ", 1, "2年"),
    ("student11@salon.example", "橋口", "芽依", "ハシグチ", "メイ", 2, "1年"),
    ("student12@salon.example", "阿部", "樹", "アベ", "イツキ", 2, "2年"),
    ("student13@salon.example", "石川", "彩", "イシカワ", "アヤ", 2, "3年"),
    ("student14@salon.example", "前田", "律", "マエダ", "リツ", 2, "3年"),
)

SALONS = DemoSalons(
    venues=(
        DemoSalonVenue(
            "ひかり通信制高等学校 本校",
            3,
            (13, 16),
            "図書室",
            "正門ではなく東門から。事務室で入館証を受け取り、2階の図書室へ。",
            "進路指導部 渡辺先生（内線 214）",
            ("partner@salon.example",),
            ("supporter@salon.example", "supporter2@salon.example"),
            (("前期試験", 16, 20),),
            held=20,
            busy=4.3,
        ),
        DemoSalonVenue(
            "あおぞら高等学校 横浜キャンパス",
            1,
            (13, 16),
            "3階 相談室B",
            "受付で「キャリアサロン」と伝えてください。エレベーターは職員用のみ。",
            "中村先生（キャンパス事務局 045-000-0000）",
            ("teacher2@salon.example",),
            ("supporter@salon.example",),
            held=18,
            busy=3.9,
        ),
        DemoSalonVenue(
            "みなと学園高等学校 千葉学習センター",
            4,
            (14, 17),
            "学習室2",
            "ビル5階。インターホンで学習センターを呼び出してください。",
            "加藤先生（学習センター長）",
            ("teacher3@salon.example",),
            ("supporter2@salon.example",),
            held=19,
            busy=3.7,
        ),
        *(
            DemoSalonVenue(
                name,
                weekday,
                hours,
                room,
                access,
                f"{title} {TEACHERS[i][0]}先生",
                teachers_of(i),
                staff,
                held=held,
                busy=busy,
            )
            for i, (name, _place, weekday, hours, room, access, title, staff, held, busy) in (
                enumerate(SCHOOLS)
            )
        ),
    ),
    students=(
        DemoStudent("client@salon.example", 0, "2年"),
        DemoStudent("client2@salon.example", 0, "3年"),
        *(DemoStudent(email, v, grade) for email, _f, _g, _fk, _gk, v, grade in STUDENTS),
        *(
            DemoStudent(email, venue, GRADES[i % len(GRADES)])
            for i, (email, _f, _fk, _g, _gk, venue) in enumerate(COHORT)
        ),
    ),
    events=(
        DemoEvent(
            "job_talk",
            "職業講話「デザインの仕事」（オンライン）",
            -24,
            (15, 16),
            None,
            ("supporter@salon.example",),
            38,
            "https://meet.example.jp/job-talk-design",
        ),
        DemoEvent(
            "guidance", "3年生 進路ガイダンス", -10, (10, 12), 1, ("supporter@salon.example",), 112
        ),
        DemoEvent(
            "guardian_seminar",
            "保護者セミナー「高卒就職と奨学金」",
            12,
            (18, 19),
            0,
            ("supporter2@salon.example",),
        ),
        DemoEvent(
            "training",
            "支援者研修「声かけの技法」",
            -40,
            (19, 21),
            None,
            ("coordinator@salon.example",),
            9,
            "https://meet.example.jp/training",
        ),
        DemoEvent(
            "training",
            "支援者研修「傾聴の基礎」（新任支援者向け）",
            -150,
            (19, 21),
            None,
            ("coordinator@salon.example",),
            8,
            "https://meet.example.jp/training",
        ),
        DemoEvent("job_talk", "職業講話「介護・福祉の仕事」", -128, (14, 15), 3, (S1,), 26),
        DemoEvent("guidance", "2年生 進路ガイダンス", -88, (10, 12), 5, (S3,), 64),
        DemoEvent("guidance", "3年生 面接対策ガイダンス", -74, (13, 15), 9, (S4, S1), 38),
        DemoEvent(
            "job_talk",
            "職業講話「ITエンジニアの一日」（オンライン）",
            -59,
            (15, 16),
            None,
            (S5,),
            45,
            "https://meet.example.jp/job-talk-it",
        ),
        DemoEvent(
            "guardian_seminar",
            "保護者セミナー「通信制高校からの進学と奨学金」",
            -45,
            (18, 19),
            12,
            (S5,),
            21,
        ),
        DemoEvent("job_talk", "職業講話「美容師という仕事」", -17, (14, 15), 7, (S3,), 19),
        DemoEvent("guidance", "1・2年生 進路ガイダンス", 17, (10, 12), 13, (S5,)),
    ),
    radar=DemoSalonRadar(
        came_once="student05@salon.example",
        referred="student04@salon.example",
        no_shows="student10@salon.example",
        falling_venue=2,
    ),
    people=(
        *(
            P(email, f, g, fk, gk, PA)
            for email, (f, g, fk, gk) in zip(TEACHER_EMAILS, TEACHERS, strict=True)
        ),
        *(P(email, f, g, fk, gk, CL) for email, f, fk, g, gk, _venue in COHORT),
    ),
    breaks=(
        DemoClosure("夏季休業", (7, 25), (8, 31)),
        DemoClosure("冬季休業", (12, 24), (1, 7)),
        DemoClosure("春季休業", (3, 25), (4, 7)),
    ),
    visits=757,
)

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
        *(DemoVenue(school[0], Venue.Kind.SCHOOL, school[1]) for school in SCHOOLS),
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
        P("teacher2@salon.example", "中村", "浩二", "ナカムラ", "コウジ", PA),
        P("teacher3@salon.example", "加藤", "真理", "カトウ", "マリ", PA),
        *(P(email, f, g, fk, gk, S) for email, f, g, fk, gk, *_rest in NEW_SUPPORTERS),
        *(P(email, f, g, fk, gk, CL) for email, f, g, fk, gk, _v, _grade in STUDENTS),
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
            # The grant's targets (scenario 5: 22 schools, 247 salons and 757 visits are 110 %,
            # 107 % and 189 % of them).
            targets=(
                DemoTarget("訪問校数", "校", 20, Kpi.VENUES_SERVED),
                DemoTarget("サロン開催回数", "回", 231, Kpi.SALON_SESSIONS_HELD),
                DemoTarget("来室数", "人", 400, Kpi.VISITS),
                DemoTarget("満足と答えた割合", "%", 80, Kpi.SATISFIED_RATE, Target.Kind.OUTCOME),
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
            *(
                DemoSupporter(
                    email, ("進路選択", "就職支援", "高校生"), ("ja",), bio, number, gender
                )
                for email, _f, _g, _fk, _gk, bio, number, gender in NEW_SUPPORTERS
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
        # The supporters who joined later: Tuesday and Thursday evenings, after the salons.
        DemoAvailability((S3, S4, S5, S6, S7, S8), (1, 3), (("17:00", "19:00"),), per_day=1),
    ),
    closures=(DemoClosure("夏季休業", (8, 11), (8, 16)),),
    salons=SALONS,
    surveys=SURVEYS,
)
