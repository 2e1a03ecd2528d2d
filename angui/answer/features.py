"""What a piece of regulation text states — a time, a number, a fine, a definition, a list — as patterns shared by
retrieval (intent boosts) and the answer's span rules."""

from __future__ import annotations

import re

from angui.text import ITEM_MARK

_CN_NUM = "一二三四五六七八九十百千两半"
TIME = re.compile(
    rf"\d+\s*(?:个)?(?:工作日|日|天|小时|年|月|周|分钟|学时)|[{_CN_NUM}]+\s*(?:个)?(?:工作日|日|天|小时|年|月|周|学时)"
    r"|每.{0,6}(?:次|年|月|季|周|班|日|天)|届满|年底|月底|月份|季度|立即|即时|定期|期限|时限|之前|以前|以内|之内")
DURATION = re.compile(  # a counted time: 1小时内, 30日内, 每两年, 每月 (not 立即, 及时, 定期, 2022年, 6月份, 3月15日)
    rf"(?<![\d月])\d{{1,3}}\s*(?:个)?(?:工作日|日|天|小时|年|月|周|分钟)(?![份底\d])"
    rf"|[{_CN_NUM}]+\s*(?:个)?(?:工作日|日|天|小时|年|月|周)(?![份底\d])|每个?(?:月|年|周|天|日|班|季度?)")
HOW_Q = re.compile(r"怎么|如何|怎样|咋|措施|做啥|做什么|注意什么|注意啥|要做|采取什么|办法|预防|防止|防范")  # asks how
# asks a count of time (几个月, 多少天, 多久); 几月 without 个 asks which month (清零节点是几月 → 6月份)
HOW_LONG = re.compile(r"(?:多少|几)(?:个月|个?(?:天|日|工作日|小时|年|周|分钟))|多长时间|多久")
NUMBER = re.compile(
    r"\d+(?:\.\d+)?\s*(?:mm|毫米|cm|厘米|m(?![A-Za-z0-9])|米|V|伏|kV|%|％|ppm|mg|℃|度|套|人|名|学时|小时|kg|千克|吨|MPa|Pa|m3|立方米|平方米)"
    rf"|[{_CN_NUM}]+(?:人|名|套|学时|米|伏|台|个)")
_LENGTH = r"\d+(?:\.\d+)?\s*(?:mm|毫米|cm|厘米|m(?![A-Za-z0-9])|米)"
ASKED_UNITS = (  # what a number question measures -> the values that answer it (多厚 → 0.8mm, not 一套)
    (re.compile(r"多厚|厚度"), re.compile(_LENGTH)),
    (re.compile(r"多远|距离|间距|多高|多宽|多深|高度|宽度"), re.compile(_LENGTH + rf"|[{_CN_NUM}]+米")),
    (re.compile(r"多少伏|电压|多少V"), re.compile(rf"\d+\s*(?:V|伏|kV)|[{_CN_NUM}]+伏")),
    (re.compile(r"几套|多少套"), re.compile(rf"[\d{_CN_NUM}]+\s*套")),
    (re.compile(r"多少人|几个人|几人|几名"), re.compile(rf"[\d{_CN_NUM}]+\s*(?:人|名)")),
    (re.compile(r"多少度|温度"), re.compile(r"\d+\s*(?:℃|度)")),
    (re.compile(r"浓度|含量|ppm|[%％]"), re.compile(r"\d+(?:\.\d+)?\s*(?:%|％|ppm|mg)")),
    (re.compile(r"学时"), re.compile(rf"[\d{_CN_NUM}]+\s*学时")),
)


def asked_unit(question: str) -> re.Pattern[str] | None:
    """The pattern of values a number question asks for, by its measure word (多厚, 多少伏, 几套), or None."""
    return next((values for cue, values in ASKED_UNITS if cue.search(question)), None)


AMOUNT = re.compile(rf"[0-9０-９{_CN_NUM}万]+(?:万)?元|百分之[{_CN_NUM}]+|[0-9]+%")
PENALTY = re.compile(r"罚款|处分|责令停产停业|吊销|没收|拘留|追究刑事责任")
DEFINITION = re.compile(r"是指|指的是|，指|系指|统称|总称|称为")
DUTY = re.compile(r"应当|必须|不得|严禁|禁止")  # a sentence that states a rule
# the first modal of a rule sentence, where its subject ends (所在单位应当…); not 应急, 相应, nor 无须
MODAL = re.compile(rf"{DUTY.pattern}|(?<![相供反适响对])应(?![急用对变力])|(?<![必无])须")
WHO = re.compile(r"负责|组织|牵头|部门|人民政府|机构|单位|委员会|调查组")
ROW_WHO = ("牵头单位", "落实单位", "责任单位", "责任部门")
ROW_DEADLINE = ("完成时限", "时限", "期限")
REQUIREMENT_FIELDS = ("主要防范措施", "自查标准项具体描述", "具体要求", "检查内容")  # what a checklist row requires
MIN_LIST_ITEMS = 2


def item_count(text: str) -> int:
    """How many enumerated items (（一）, （１）, 1、) a text holds."""
    return len(ITEM_MARK.findall(text))


FEATURES = {
    "deadline": lambda t: bool(TIME.search(t)),
    "number": lambda t: bool(NUMBER.search(t)),
    "penalty": lambda t: bool(PENALTY.search(t) and AMOUNT.search(t)),
    "definition": lambda t: bool(DEFINITION.search(t)),
    "list": lambda t: item_count(t) >= MIN_LIST_ITEMS + 1,
}


def asked_time(question: str) -> re.Pattern[str]:
    """The times that answer a when-question: a counted time for 多久/多少天 (1个月, not 定期), else any time."""
    return DURATION if HOW_LONG.search(question) else TIME


def states(intent: str, text: str) -> bool:
    """Whether a text states what an intent asks for (False for intents without a feature)."""
    feature = FEATURES.get(intent)
    return bool(feature and feature(text))
