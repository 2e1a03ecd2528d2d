"""Span rules by intent, on hand-made units: what whole piece of which unit answers the question."""

from __future__ import annotations

from angui.answer import editions, spans
from angui.answer.spans import Candidate

ROW = ("序号：4\n工作任务：重点行业领域重大隐患清零行动\n具体要求：1、粉尘涉爆、有限空间重大隐患6月份清零；\n"
       "2、建材行业实施三个一批政策。\n牵头单位：区局工贸科\n落实单位：各街（镇）\n完成时限：按市局规定时限推进")
LIST = ("第二十三条 负责粉尘涉爆企业安全监管的部门对企业实施监督检查时，应当重点检查下列内容：\n"
        "（一）粉尘防爆安全生产责任制的建立、落实情况；\n（二）粉尘爆炸风险清单和辨识管控信息档案；\n"
        "（三）粉尘清理和处置记录。")
OTHER_LIST = "第十条 企业应当做到：（一）每班清扫；（二）记录清扫情况。"
PENALTY = ("第一百零五条 生产经营单位有下列行为之一的，责令限期改正，处五万元以下的罚款；逾期未改正的，责令停产停业整顿：\n"
           "（一）车间与员工宿舍在同一座建筑内的；\n（二）占用、锁闭、封堵生产经营场所出口、疏散通道的。")


def cand(i: int, text: str, where: str = "《规定》第一条") -> Candidate:
    return Candidate(i, text, where)


def terms(*words: str) -> dict[str, float]:
    return {w: 1.0 for w in words}


def test_list_gives_every_item_of_one_provision_in_order_with_the_count() -> None:
    lead = spans.listing([cand(0, OTHER_LIST), cand(1, LIST)], terms("粉尘", "监督检查", "重点检查"))
    assert lead[0].text.startswith("第二十三条") and lead[0].cite == 2
    assert lead[1].text == "共 3 项：" and lead[1].cite is None
    items = [s.text for s in lead[2:]]
    assert items == ["粉尘防爆安全生产责任制的建立、落实情况", "粉尘爆炸风险清单和辨识管控信息档案", "粉尘清理和处置记录"]
    assert {s.cite for s in lead[2:]} == {2}  # never items of two provisions in one list


def test_row_deadline_prefers_the_rows_own_time_then_its_field() -> None:
    lead = spans.deadline([cand(0, ROW)], terms("粉尘", "有限空间", "隐患", "清零"), want_who=False)
    assert "6月份清零" in lead[0].text and lead[0].cite == 1
    assert lead[1].text == "完成时限：按市局规定时限推进"


def test_who_and_when_from_one_row() -> None:
    lead = spans.who([cand(0, ROW)], terms("隐患", "清零"), want_deadline=True)
    assert [s.text for s in lead[:2]] == ["牵头单位：区局工贸科", "落实单位：各街（镇）"]
    assert lead[0].where and not lead[1].where  # one label for the row
    assert any("6月份清零" in s.text for s in lead[2:])


def test_deadline_sentence_of_prose_and_a_second_for_a_compound_question() -> None:
    text = ("第二十九条 事故调查组应当自事故发生之日起60日内提交事故调查报告；特殊情况下，经负责事故调查的人民政府批准，"
            "提交事故调查报告的期限可以适当延长，但延长的期限最长不超过60日。")
    one = spans.deadline([cand(0, text)], terms("事故调查报告", "提交"), want_who=False)
    two = spans.deadline([cand(0, text)], terms("事故调查报告", "延长"), want_who=False,
                         second_share=spans.SECOND_PIECE_COMPOUND)
    assert len(one) >= 1 and "60日" in one[0].text
    assert len(two) == 2 and "延长" in "".join(s.text for s in two)


def test_number_sentence_holds_the_value_with_its_unit() -> None:
    text = "第五条 有限空间作业应当先通风、再检测。进入金属容器内作业，手持照明电压不得超过12V。"
    lead = spans.number([cand(0, text)], terms("照明", "电压", "金属容器"))
    assert lead and "12V" in lead[0].text


def test_definition_sentence() -> None:
    text = "第一百一十七条 本法下列用语的含义：重大危险源，是指长期地或者临时地生产、储存危险物品，且数量等于或者超过临界量的单元。"
    lead = spans.definition([cand(0, text)], terms("重大危险源"))
    assert lead and "临界量" in lead[0].text


def test_penalty_clause_with_amount_and_the_matching_violation() -> None:
    lead = spans.penalty([cand(0, PENALTY)], terms("锁闭", "出口", "疏散通道"))
    assert "五万元以下的罚款" in lead[0].text and "逾期未改正的，责令停产停业整顿" in lead[0].text  # the steps too
    assert lead[1].text.startswith("占用、锁闭、封堵")


def test_penalty_steps_after_the_fine_in_prose() -> None:
    text = ("第九十四条 生产经营单位的主要负责人未履行本法规定的安全生产管理职责的，责令限期改正，处二万元以上五万元以下的罚款；"
            "逾期未改正的，处五万元以上十万元以下的罚款，责令生产经营单位停产停业整顿。")
    lead = spans.penalty([cand(0, text)], terms("主要负责人", "安全生产管理职责"))
    assert "二万元以上五万元以下" in lead[0].text and "逾期未改正的，处五万元以上十万元以下" in lead[0].text


def test_no_span_when_no_unit_states_it() -> None:
    assert spans.number([cand(0, "第一条 企业应当建立安全生产责任制。")], terms("责任制")) == []
    assert spans.listing([cand(0, "第一条 企业应当建立安全生产责任制。")], terms("责任制")) == []


def test_edition_changes_quote_both_texts() -> None:
    old = "有下列情形之一的，应急预案应当及时修订：\n（一）面临的事故风险发生重大变化的；\n（二）其他重要信息发生变化的。"
    new = ("有下列情形之一的，应急预案应当及时修订：\n（一）安全生产面临的风险发生重大变化的；\n"
           "（二）其他重要信息发生变化的；\n（三）发现重大问题的。")
    diff = editions.changes(new, old, cite_current=1, cite_old=2)
    text = [(s.text, s.cite) for s in diff]
    assert (editions.CHANGED_FROM, None) in text and ("面临的事故风险发生重大变化的", 2) in text
    assert ("安全生产面临的风险发生重大变化的", 1) in text
    assert ("发现重大问题的", 1) in text and ("其他重要信息发生变化的", 1) not in text


def test_follow_up_answers_the_second_part_of_a_question() -> None:
    text = ("第七十条 负有安全生产监督管理职责的部门可以采取停止供电措施。"
            "采取停止供电措施，除有危及生产安全的紧急情形外，应当提前二十四小时通知生产经营单位。"
            "停止供电的决定应当经本部门主要负责人批准。")
    cands = [cand(0, text)]
    lead = spans.deadline(cands, terms("停止供电", "提前", "通知"), want_who=False)
    extra = spans.follow_up(lead, cands, terms("主要负责人", "批准"))
    assert "二十四小时" in lead[0].text and len(extra) == 1 and "主要负责人批准" in extra[0].text
    assert spans.follow_up(lead, cands, terms("通知", "提前")) == []  # the lead already answers it


def test_follow_up_states_what_the_second_part_asks_for() -> None:
    from angui.answer.features import DURATION

    text = ("第三十一条 申请使用许可证的企业，应当向设区的市级人民政府安全生产监督管理部门提出申请。"
            "安全生产监督管理部门应当将颁发许可证的情况通报公安机关。"
            "安全生产监督管理部门应当自收到证明材料之日起45日内作出批准或者不予批准的决定。")
    cands = [cand(0, text)]
    lead = [cands[0].statement("申请使用许可证的企业，应当向设区的市级人民政府安全生产监督管理部门提出申请。")]
    words = terms("批下来")  # the second part's own words are in no sentence
    assert spans.follow_up(lead, cands, words) == []
    extra = spans.follow_up(lead, cands, words, DURATION)  # …多少天能批下来: a counted time answers it
    assert len(extra) == 1 and "45日内" in extra[0].text


def test_a_second_question_typed_without_its_question_mark_is_one() -> None:
    from angui.answer.compose import COMPOUND_Q, _last_clause

    assert COMPOUND_Q.search("无主危化品归哪个部门接收？处理费用谁出")
    assert _last_clause("无主危化品归哪个部门接收？处理费用谁出") == "处理费用谁出"
    assert not COMPOUND_Q.search("危险作业管理制度要覆盖哪几类作业？我们在补制度")  # a remark, not a question
    assert not COMPOUND_Q.search("有限空间作业要检查哪些内容？") and _last_clause("有限空间作业要检查哪些内容？") == ""


INLINE = ("十、推行安全生产责任保险。要推动有涉爆粉尘作业、涉氯涉氨作业、有限空间作业的企业投保安全生产责任保险，"
          "年底前实现应保尽保。")
TRAINING = "序号：16\n工作任务：推动培训工程\n具体要求：1、开展送法入企活动；\n2、做好事故资料整理分析。"


def test_list_gives_way_to_a_top_unit_that_lists_inline() -> None:
    question = terms("推动", "作业", "企业", "投保")
    assert spans.listing([cand(0, INLINE), cand(1, TRAINING)], question) == []  # best sentences of [1] instead
    lead = spans.listing([cand(0, TRAINING), cand(1, INLINE)], terms("推动", "培训"))
    assert [s.cite for s in lead[1:]] == [1, 1]  # an enumerating top unit that answers keeps its items


def test_a_quoted_item_keeps_the_lead_in_of_its_list() -> None:
    from angui.answer.compose import _with_intro

    text = "第三十六条\n有下列情形之一的，应急预案应当及时修订：\n（一）法律发生变化的；\n（二）应急指挥机构调整的。"
    assert _with_intro(text, ["（二）应急指挥机构调整的。"]) == ["有下列情形之一的，应急预案应当及时修订：",
                                                           "（二）应急指挥机构调整的。"]
    assert _with_intro(text, ["有下列情形之一的，应急预案应当及时修订："]) == ["有下列情形之一的，应急预案应当及时修订："]
    assert _with_intro("第一条 企业应当每年演练一次。", ["第一条 企业应当每年演练一次。"]) == ["第一条 企业应当每年演练一次。"]
    two = text + "\n预案应当包括下列内容：\n（一）机构；\n（二）职责。"
    assert _with_intro(two, ["（二）职责。"]) == ["预案应当包括下列内容：", "（二）职责。"]  # its own list's lead-in
    inline = "企业应当建立管理制度。管理制度应当包括下列内容：\n（一）责任制；\n（二）清理制度。"
    assert _with_intro(inline, ["企业应当建立管理制度。", "（二）清理制度。"]) == [
        "企业应当建立管理制度。", "管理制度应当包括下列内容：", "（二）清理制度。"]  # no sentence twice


def test_follow_up_from_another_provision_when_the_leads_unit_lacks_it() -> None:
    revise = "第三十六条 有下列情形之一的，应急预案应当及时修订：\n（一）应急指挥机构调整的；\n（二）重要设施变化的。"
    refile = "第三十七条 应急预案修订涉及组织指挥体系与职责的，应当按照有关应急预案报备程序重新备案。"
    cands = [cand(0, revise, "《办法》第三十六条"), cand(1, refile, "《办法》第三十七条")]
    lead = [cands[0].statement("（一）应急指挥机构调整的；")]
    extra = spans.follow_up(lead, cands, terms("重新", "备案"))
    assert len(extra) == 1 and extra[0].cite == 2 and "重新备案" in extra[0].text
    assert extra[0].where == "《办法》第三十七条"  # another provision is labelled as such
    assert spans.follow_up(lead, cands, terms("罚款", "多少")) == []  # nothing answers it: nothing added
    assert spans.follow_up(lead, cands, terms("备案", "罚款")) == []  # one shared word is not an answer


HAZARD_ROW = ("序号：1\n行业：纺织行业\n场所/环节/部位：清梳棉\n较大危险因素：（１）开松过程打击金属杂物产生火花。\n（２）电气火花。\n"
              "易发生的事故类型：火灾\n主要防范措施：（１）在第一道抓棉应安装强力磁辊。\n（２）严禁违章吸烟。")


def test_a_row_answers_from_the_field_asked_else_from_its_requirement() -> None:
    from angui.answer.sentences import row_body

    assert row_body(HAZARD_ROW, "清梳棉怎么防止火花").startswith("（１）在第一道抓棉")  # the measures
    assert row_body(HAZARD_ROW, "清梳棉有哪些较大危险因素").startswith("（１）开松过程")  # the field named
    assert row_body(HAZARD_ROW, "清梳棉有哪些危险因素").startswith("（１）开松过程")  # by its head noun
    assert row_body(HAZARD_ROW, "纺织行业清梳棉怎么防火").startswith("（１）在第一道抓棉")  # 行业 is where, not what
    assert row_body("第一条 企业应当每年演练一次。", "有哪些危险因素") == "第一条 企业应当每年演练一次。"
    assert row_body(HAZARD_ROW, "清梳棉的较大危险因素怎么防范").startswith("（１）在第一道抓棉")  # asks how: measures
    assert row_body(ROW, "清零行动的完成时限是什么").startswith("1、粉尘涉爆")  # 完成时限 is the deadline rule's
    lead = spans.listing([Candidate(0, HAZARD_ROW, "《手册》第1行", question="清梳棉有哪些较大危险因素")], terms("清梳棉"))
    assert [s.text for s in lead] == ["共 2 项：", "开松过程打击金属杂物产生火花", "电气火花"]


def test_howto_on_a_row_gives_every_measure_of_it() -> None:
    from angui.answer.compose import _row_measures

    row = Candidate(0, HAZARD_ROW, "《手册》第1行", question="清梳棉怎么防火")
    lead = _row_measures([row], terms("清梳棉", "防火"))
    assert [s.text for s in lead] == ["共 2 项：", "在第一道抓棉应安装强力磁辊", "严禁违章吸烟"]
    prose = Candidate(0, "第三十六条 有下列情形之一的，应当修订：\n（一）机构调整的；\n（二）设施变化的。", "《办法》第三十六条")
    assert _row_measures([prose], terms("修订")) == []  # 要不要改 → the item asked, with its lead-in


def test_only_a_how_question_gets_a_rows_measures() -> None:
    from angui.answer.compose import HOW_Q

    assert HOW_Q.search("粮食筒仓清仓，人怎么下去？") and HOW_Q.search("清梳棉工序如何防止火灾")
    assert not HOW_Q.search("叉车司机要持证吗")  # a yes/no question: the sentence that says so


def test_penalty_of_another_law_that_answers_as_well_is_shown_too() -> None:
    special = Candidate(0, "第九十一条 发生重大事故，对主要负责人处上一年年收入百分之六十的罚款。", "《特种设备安全法》第九十一条", "特")
    general = Candidate(1, "第九十五条 发生重大事故，对主要负责人处上一年年收入百分之八十的罚款。", "《安全生产法》第九十五条", "安")
    lead = spans.penalty([special, general], terms("重大事故", "主要负责人", "年收入", "厂里"))
    assert [s.cite for s in lead] == [1, 2] and "百分之八十" in lead[1].text


def test_a_list_answer_is_the_list_whose_lead_in_announces_the_asked_noun_for_the_asked_subject(monkeypatch) -> None:
    closing = cand(0, "第一百一十三条 生产经营单位存在下列情形之一的，负有安全生产监督管理职责的部门应当提请关闭，"
                      "生产经营单位主要负责人五年内不得担任主要负责人：\n（一）存在重大事故隐患的；\n（二）拒不执行停产决定的。")
    head = cand(1, "第二十一条 生产经营单位的主要负责人对本单位安全生产工作负有下列职责：\n"
                   "（一）建立健全全员安全生产责任制；\n（二）组织制定安全生产规章制度。")
    question = "列出生产经营单位主要负责人的全部安全生产职责"
    asked = {"生产经营单位": 1.0, "主要负责人": 3.0, "职责": 1.0}
    lead = spans.listing([closing, head], asked, spans.asked_noun(question))
    assert lead[0].cite == 2  # 负有下列职责 lists duties; 监督管理职责的部门 only mentions them
    office = cand(0, "第二十五条 生产经营单位的安全生产管理机构履行下列职责：\n（一）拟订规章制度；\n"
                     "（二）督促主要负责人落实整改。")
    assert spans.listing([office, head], asked, spans.asked_noun(question))[0].cite == 2  # whose duties: the lead-in
    monkeypatch.setattr(spans, "INTRO_COVER", 0.0)
    assert spans.listing([office, head], asked, spans.asked_noun(question))[0].cite == 1


def test_the_same_violation_in_another_article_of_the_law_is_shown_with_its_scope() -> None:
    major = Candidate(0, "第二十八条 生产经营单位对本办法第七条第（一）项、第（二）项规定的建设项目有下列情形之一的，"
                         "责令停止建设，处50万元以上100万元以下的罚款：\n（一）没有安全设施设计或者安全设施设计未按照规定审查同意，擅自开工的；"
                         "\n（二）施工单位未按照批准的安全设施设计施工的。", "《办法》第二十八条", "办法")
    other = Candidate(1, "第三十条 本办法第七条第（一）项、第（二）项规定以外的建设项目有下列情形之一的，责令限期改正，"
                         "可以并处5000元以上3万元以下的罚款：\n（一）没有安全设施设计的；\n（二）安全设施未经竣工验收合格的。",
                      "《办法》第三十条", "办法")
    unrelated = Candidate(1, "第三十一条 有下列情形之一的，处1万元以下的罚款：\n（一）未如实记录安全设施设计审查情况的；"
                             "\n（二）未组织验收的。", "《办法》第三十一条", "办法")
    question = terms("新建", "厂房", "没有", "安全设施设计")
    lead = spans.penalty([major, other], question)
    assert [s.cite for s in lead] == [1, 1, 2, 2] and "5000元以上3万元以下" in lead[2].text
    assert lead[0].text.startswith("第二十八条 生产经营单位对本办法第七条第（一）项")  # a reference is not an item
    assert [s.cite for s in spans.penalty([major, unrelated], question)] == [1, 1]  # another act is not the same
    old = Candidate(1, other.text, "《办法》第三十条【已修订】", "办法", current=False)
    assert [s.cite for s in spans.penalty([major, old], question)] == [1, 1]  # nor a superseded edition


def test_a_penalty_for_another_grade_or_without_a_scope_split_is_no_twin() -> None:
    grave = Candidate(0, "第六十二条 有下列情形之一的，处20万元以上50万元以下罚款：\n（一）特种设备事故造成3人以上10人以下死亡的；"
                         "\n（二）其他情形。", "《条例》第六十二条", "条例")
    graver = Candidate(1, "第六十三条 有下列情形之一的，处50万元以上200万元以下罚款：\n（一）特种设备事故造成10人以上30人以下死亡的；"
                          "\n（二）其他情形。", "《条例》第六十三条", "条例")
    question = terms("特种设备事故", "死亡", "罚款")
    assert {s.cite for s in spans.penalty([grave, graver], question)} == {1}


def test_a_time_belongs_to_the_asked_words_next_to_it() -> None:
    office = cand(0, "第二十八条 受理部门应当在5个工作日内完成核对，材料齐全的，对应急预案予以备案并公布。", "《办法》第二十八条")
    firm = cand(1, "第二十六条 生产经营单位应当在应急预案公布之日起20个工作日内，按照分级属地原则，向有关部门进行备案。",
                "《办法》第二十六条")
    lead = spans.deadline([office, firm], terms("应急预案", "公布", "以后", "备案"), want_who=False, counted=True)
    assert lead[0].cite == 2 and "20个工作日内" in lead[0].text


def test_the_unit_the_answer_opens_with_is_cited_first() -> None:
    from collections import defaultdict

    from angui.answer.compose import _source_first
    from angui.answer.model import Statement
    from angui.answer.retrieve import Hit
    from angui.store import StoredUnit

    def hit(uid: str, status: str = "现行") -> Hit:
        return Hit(StoredUnit(uid, uid, {"status": status}))

    hits = [hit("a"), hit("b"), hit("c")]
    lead = [Statement("共 2 项："), Statement("x", 2), Statement("y", 2)]
    moved, renumbered, quotes = _source_first(hits, lead, defaultdict(list, {1: ["x", "y"]}))
    assert [h.unit.id for h in moved] == ["b", "a", "c"]
    assert [st.cite for st in renumbered] == [None, 1, 1] and quotes[0] == ["x", "y"] and not quotes[1]
    old = [hit("a"), hit("b", "已修订")]
    assert _source_first(old, [Statement("x", 2)], defaultdict(list))[0] == old  # superseded text never moves up


def test_how_long_is_answered_by_a_counted_time() -> None:
    law = cand(0, "第八十三条 单位负责人接到事故报告后，应当立即如实报告当地负有安全生产监督管理职责的部门。", "《安全生产法》第八十三条")
    rule = cand(1, "第九条 单位负责人接到报告后，应当于1小时内向事故发生地县级以上人民政府安全生产监督管理部门报告。", "《条例》第九条")
    question = terms("单位负责人", "接到", "报告")
    assert "立即" in spans.deadline([law, rule], question, want_who=False)[0].text  # 什么时候 → 立即 will do
    lead = spans.deadline([law, rule], question, want_who=False, counted=True)  # 多长时间内 → a counted time
    assert lead[0].cite == 2 and "1小时内" in lead[0].text


def test_a_number_question_is_answered_by_a_value_of_the_kind_asked() -> None:
    from angui.answer.features import asked_unit

    rule = cand(0, "第十五条 可燃性粉尘不得与可燃气体共用一套除尘系统。", "《规定》第十五条")
    row = cand(1, "主要防范措施：(1)作业场所及设备不得出现厚度大于0.8mm的积尘层。", "《手册》第86行")
    question = terms("可燃性粉尘", "除尘系统", "积尘")
    assert spans.number([rule, row], question)[0].cite == 1  # 一套 is a number too
    lead = spans.number([rule, row], question, unit=asked_unit("积灰最多允许多厚？"))
    assert lead[0].cite == 2 and "0.8mm" in lead[0].text
    assert asked_unit("手提行灯用多少伏") and asked_unit("手提行灯用多少伏").search("不应大于12V")
    assert asked_unit("有限空间作业要注意什么") is None


def test_time_and_length_patterns() -> None:
    from angui.answer.features import DURATION, HOW_LONG, NUMBER, asked_unit

    assert all(DURATION.search(t) for t in ("1小时内", "20个工作日内", "每两年", "每3个月", "每月检查一次"))
    assert not any(DURATION.search(t) for t in ("2022年底前", "6月份清零", "3月15日印发", "立即报告"))
    assert all(HOW_LONG.search(q) for q in ("几年复审一次", "多少个小时", "几周", "多长时间", "几个月"))
    assert not HOW_LONG.search("清零节点是几月")  # which month, not how many
    assert not HOW_LONG.search("什么时候完成")
    assert NUMBER.search("高度2m及以上") and asked_unit("多高").search("高度2m及以上")


def test_the_noun_a_list_question_asks_for() -> None:
    assert spans.asked_noun("报告里要写清楚哪些内容") == "内容"
    assert spans.asked_noun("哪些内容需要检查") == "内容"
    assert spans.asked_noun("列出主要负责人的全部安全生产职责") == "职责"
    assert spans.asked_noun("哪几类企业要投保") == "企业"
    assert spans.asked_noun("有限空间怎么检查") is None
