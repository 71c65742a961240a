"""Huzhou's real regions, departments and the six environments, for the demo."""

# code, division code, Chinese name, English name, level, venue for the weekly talk
REGIONS = [
    ("huzhou", "330500", "湖州市", "Huzhou", "city", "湖州市民营经济服务中心"),
    ("wuxing", "330502", "吴兴区", "Wuxing District", "county", "吴兴区企业服务中心"),
    ("nanxun", "330503", "南浔区", "Nanxun District", "county", "南浔区行政服务中心"),
    ("deqing", "330521", "德清县", "Deqing County", "county", "德清县企业综合服务中心"),
    ("changxing", "330522", "长兴县", "Changxing County", "county", "长兴县民营企业服务中心"),
    ("anji", "330523", "安吉县", "Anji County", "county", "安吉县两山企业服务中心"),
    ("south-taihu", "", "南太湖新区", "South Taihu New Area", "county", "南太湖新区政务服务中心"),
]

# code, region code, Chinese name, English name
DEPARTMENTS = [
    ("huzhou-tzb", "huzhou", "中共湖州市委统战部",
     "United Front Work Department of the CPC Huzhou Municipal Committee"),
    ("huzhou-gsl", "huzhou", "湖州市工商业联合会", "Huzhou Federation of Industry and Commerce"),
    ("huzhou-fgw", "huzhou", "湖州市发展和改革委员会", "Huzhou Development and Reform Commission"),
    ("huzhou-jxj", "huzhou", "湖州市经济和信息化局",
     "Huzhou Bureau of Economy and Information Technology"),
    ("huzhou-kjj", "huzhou", "湖州市科学技术局", "Huzhou Science and Technology Bureau"),
    ("huzhou-czj", "huzhou", "湖州市财政局", "Huzhou Finance Bureau"),
    ("huzhou-rsj", "huzhou", "湖州市人力资源和社会保障局",
     "Huzhou Human Resources and Social Security Bureau"),
    ("huzhou-zrzyj", "huzhou", "湖州市自然资源和规划局",
     "Huzhou Natural Resources and Planning Bureau"),
    ("huzhou-sthjj", "huzhou", "湖州市生态环境局", "Huzhou Ecology and Environment Bureau"),
    ("huzhou-zjj", "huzhou", "湖州市住房和城乡建设局",
     "Huzhou Housing and Urban-Rural Development Bureau"),
    ("huzhou-jtj", "huzhou", "湖州市交通运输局", "Huzhou Transport Bureau"),
    ("huzhou-swj", "huzhou", "湖州市商务局", "Huzhou Commerce Bureau"),
    ("huzhou-scjgj", "huzhou", "湖州市市场监督管理局",
     "Huzhou Administration for Market Regulation"),
    ("huzhou-sfj", "huzhou", "湖州市司法局", "Huzhou Justice Bureau"),
    ("huzhou-gaj", "huzhou", "湖州市公安局", "Huzhou Public Security Bureau"),
    ("huzhou-tax", "huzhou", "国家税务总局湖州市税务局", "Huzhou Municipal Tax Service"),
    ("huzhou-jyj", "huzhou", "湖州市教育局", "Huzhou Education Bureau"),
    ("huzhou-power", "huzhou", "国网湖州供电公司", "State Grid Huzhou Power Supply Company"),
    ("huzhou-pbc", "huzhou", "中国人民银行湖州市分行", "People's Bank of China Huzhou Branch"),
    ("wuxing-tzb", "wuxing", "中共湖州市吴兴区委统战部",
     "United Front Work Department of the CPC Wuxing District Committee"),
    ("wuxing-rsj", "wuxing", "湖州市吴兴区人力资源和社会保障局",
     "Wuxing District Human Resources and Social Security Bureau"),
    ("nanxun-tzb", "nanxun", "中共湖州市南浔区委统战部",
     "United Front Work Department of the CPC Nanxun District Committee"),
    ("nanxun-jxj", "nanxun", "湖州市南浔区经济和信息化局",
     "Nanxun District Bureau of Economy and Information Technology"),
    ("deqing-tzb", "deqing", "中共德清县委统战部",
     "United Front Work Department of the CPC Deqing County Committee"),
    ("deqing-jxj", "deqing", "德清县经济和信息化局",
     "Deqing County Bureau of Economy and Information Technology"),
    ("changxing-tzb", "changxing", "中共长兴县委统战部",
     "United Front Work Department of the CPC Changxing County Committee"),
    ("changxing-zrzyj", "changxing", "长兴县自然资源和规划局",
     "Changxing County Natural Resources and Planning Bureau"),
    ("anji-tzb", "anji", "中共安吉县委统战部",
     "United Front Work Department of the CPC Anji County Committee"),
    ("anji-scjgj", "anji", "安吉县市场监督管理局",
     "Anji County Administration for Market Regulation"),
    ("south-taihu-dqb", "south-taihu", "湖州南太湖新区党群工作部",
     "Party and Public Affairs Department of South Taihu New Area"),
]

# The united front department of each region hosts its weekly talk.
HOST_DEPARTMENT = {region[0]: f"{region[0]}-tzb" for region in REGIONS}
HOST_DEPARTMENT["south-taihu"] = "south-taihu-dqb"

# The county coordinators the demo hosts each county's sessions with: a person's name, as the
# product shows people (by name and post), never a login like "coordinator-wuxing".
COORDINATOR_NAMES = {"wuxing": "姚佳琪", "nanxun": "费建华", "deqing": "沈佳颖",
                     "changxing": "钱国平", "anji": "潘晓敏", "south-taihu": "姚振宇"}

# code, Chinese name, English name, default department, working days to accept, to resolve
CATEGORIES = [
    ("innovation", "创业创新环境", "Entrepreneurship and innovation", "huzhou-kjj", 1, 15),
    ("factor-supply", "要素保障环境", "Factor supply", "huzhou-zrzyj", 1, 20),
    ("government-service", "政企服务环境", "Government–enterprise service", "huzhou-jxj", 1, 10),
    ("rule-of-law", "法治诚信环境", "Rule of law and integrity", "huzhou-sfj", 1, 15),
    ("respect", "尊商重企环境", "Respect for entrepreneurs", "huzhou-gsl", 1, 10),
    ("work-guarantee", "工作保障环境", "Work guarantees", "huzhou-tzb", 1, 10),
]

# code → (Chinese, English) description: one line under each category on the issue form,
# what it covers with examples (issues migration 0006 writes the same lines).
CATEGORY_DESCRIPTIONS = {
    "innovation": (
        "创业扶持、科技创新、人才引进、知识产权等，例如科技项目申报、研发补助、引进人才落户。",
        "Starting up, research, talent and intellectual property: e.g. applying for a science "
        "project, R&D subsidies, settling the talent a company recruits."),
    "factor-supply": (
        "土地、水电气、融资、用工等生产要素，例如工业用地指标、电力增容、贷款续贷、招工难。",
        "Land, power, water and gas, finance and labour: e.g. industrial land quotas, a larger "
        "power connection, renewing a bank loan, hiring workers."),
    "government-service": (
        "政务服务与涉企审批，例如审批时限、证照办理、惠企政策兑现。",
        "How the government serves companies: e.g. approval times, licences and permits, "
        "receiving the support a policy promises."),
    "rule-of-law": (
        "执法监管、合同履约与信用，例如重复检查、政府部门拖欠账款、合同纠纷、信用修复。",
        "Inspections, contracts and credit: e.g. repeated inspections, payments overdue from "
        "public bodies, contract disputes, repairing a credit record."),
    "respect": (
        "对企业和企业家的尊重与关爱，例如企业家权益保护、荣誉激励、政企沟通渠道。",
        "Respect and care for companies and entrepreneurs: e.g. protecting their rights, "
        "recognition, channels to talk to the government."),
    "work-guarantee": (
        "员工在本地工作生活的配套，例如子女入学、住房、交通出行、就医。",
        "What staff need to live and work here: e.g. schooling for their children, housing, "
        "transport, health care."),
}

# Issue titles per category, with the reply the department gave.
ISSUE_TEMPLATES = {
    "innovation": [
        ("高新技术企业认定材料准备咨询", "已安排科技特派员上门辅导，材料已按要求准备齐全。"),
        ("研发费用加计扣除政策适用范围不清", "已与税务部门联合解读政策，企业已完成申报。"),
        ("产学研合作缺少对接渠道", "已对接本地高校科研团队，双方签订合作意向。"),
        ("省级企业研发中心申报指导", "已组织专家预审，企业申报材料已提交。"),
    ],
    "factor-supply": [
        ("厂房扩建用地指标申请进度缓慢", "已纳入年度用地计划，指标已下达。"),
        ("企业用电增容审批周期较长", "供电公司已开通绿色通道，增容工程已完成。"),
        ("一线技术工人招工难", "已组织专场招聘会并对接职业院校定向培养。"),
        ("流动资金贷款担保额度不足", "已协调政策性担保机构提高担保额度。"),
        ("污水纳管接入排期较长", "已协调施工单位提前排期，纳管工程已完工。"),
    ],
    "government-service": [
        ("项目审批材料需要重复提交", "已实行一次提交、部门共享，企业无需重复提交。"),
        ("技改项目备案流程不熟悉", "已安排专人代办，备案已完成。"),
        ("惠企政策兑现周期长", "已完成审核，补助资金已拨付到位。"),
        ("跨部门办事需多次往返", "已纳入一件事集成办理，企业一次办结。"),
    ],
    "rule-of-law": [
        ("合同纠纷久拖未决影响经营", "已引导进入商事调解程序，双方达成和解。"),
        ("商标被仿冒维权困难", "市场监管部门已立案查处侵权行为。"),
        ("涉企行政检查过于频繁", "已纳入综合查一次，检查频次明显下降。"),
        ("企业信用修复流程咨询", "已指导企业完成信用修复。"),
    ],
    "respect": [
        ("希望参与涉企政策制定的渠道", "已邀请企业家参加政策座谈并吸纳建议。"),
        ("新生代企业家培训机会较少", "已将企业纳入新生代企业家培训计划。"),
        ("优秀企业家宣传表彰申报", "已纳入民营企业家节表彰推荐名单。"),
    ],
    "work-guarantee": [
        ("引进人才子女入学协调", "已协调教育部门妥善安排入学。"),
        ("人才公寓申请进度咨询", "已完成资格审核，人才已入住。"),
        ("企业家健康体检服务咨询", "已纳入企业家健康管理服务名单。"),
        ("企业周边道路交通拥堵", "已优化信号灯配时并增设停车位。"),
    ],
}

EDITION_THEMES = [
    "优化营商环境", "助企纾困解难", "要素保障专场", "科技创新专场", "新生代企业家专场",
    "法治护企专场", "人才服务专场", "绿色低碳发展", "数字化改革", "外贸稳订单",
    "项目建设提速", "金融助企专场",
]

LECTURES = ["湖商大讲堂", "印心读书会", "理想信念报告会"]
SALONS = ["咖啡思享会", "湖商“创业创新创富”主题沙龙"]
FESTIVAL = "湖州市民营企业家节"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾沈钱姚蒋"
GIVEN = ["建国", "伟", "芳", "敏", "强", "磊", "洋", "婷", "杰", "军", "勇", "艳", "涛", "明",
         "超", "秀英", "华", "平", "刚", "桂英", "志强", "海燕", "文", "斌", "晨", "浩然",
         "子轩", "雨桐", "欣怡", "俊杰"]
BRANDS = ["丝路", "竹韵", "太湖", "苕溪", "南浔", "安吉", "莫干", "弁山", "吴兴", "长兴",
          "德清", "碧浪", "飞英", "龙溪", "仙山", "霞幕", "金盖", "道场", "白雀", "菰城",
          "湖笔", "蚕花", "荻港", "下渚", "顾渚", "紫笋", "天目", "青山", "合溪", "吕山"]
INDUSTRY_WORDS = {
    "manufacturing": ["智能装备", "新材料", "纺织", "电池", "机械", "五金", "木业"],
    "construction": ["建材", "建设", "绿色建筑"],
    "it": ["信息科技", "软件", "数字科技"],
    "trade": ["商贸", "贸易"],
    "logistics": ["物流", "供应链"],
    "hospitality": ["旅游", "酒店管理"],
    "agriculture": ["农业", "茶业", "竹业"],
    "research": ["生物医药", "检测技术"],
    "business_services": ["企业管理咨询", "人力资源"],
    "energy": ["新能源", "光伏"],
    "culture": ["文化传媒"],
}
POSITIONS = ["董事长", "总经理", "执行董事", "副总经理", "创始人"]

# Departments whose answers a lead signs off (审核签发) before they reach the entrepreneur;
# each has a lead in the demo. Not the demo handler's department (huzhou-jxj).
SIGN_OFF_DEPARTMENTS = ("huzhou-zrzyj", "huzhou-sfj", "changxing-zrzyj")

# How the people of the history came into the directory (none of them has an account):
# recorded by a coordinator, walked in at a session, or imported from a county's list.
PERSON_SOURCES = (("recorded", 60), ("walk_in", 25), ("imported", 15))

# How the history's ratings reached the programme, for people without an account: by the
# signed link in the SMS, or by phone on a coordinator's follow-up call (回访).
LINK_SHARE = 0.7

CALL_NOTES = {
    "dissatisfied": "已电话回访，企业反映答复未解决实际问题，已督促部门重新办理。",
    "verification": "回访核实：企业确认问题已解决，对答复满意。",
    "awaiting_rating": "电话回访，企业口头评价，由统筹协调员代为记录。",
    "unreached": "电话无人接听，择日再次回访。",
}

# The demo logins among the officials: the city's and Wuxing's coordinators host their
# regions' weekly talks; the other regions' coordinators are "coordinator-<region>".
COORDINATOR_LOGINS = {"huzhou": "coordinator", "wuxing": "wuxing"}
# The lead who signs off the Natural Resources and Planning Bureau's answers is a demo
# login; the other signing departments' leads are "lead-<department>".
LEAD_LOGINS = {"huzhou-zrzyj": "lead"}


def coordinator_username(region_code: str) -> str:
    """The user name of the coordinator who hosts the region's weekly talk."""
    return COORDINATOR_LOGINS.get(region_code, f"coordinator-{region_code}")
