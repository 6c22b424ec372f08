"""The privacy notice the mini-program shows before it collects anything (PIPL arts. 17 and
30; GB/T 35273-2020 §5.5): what is collected, why, who sees it, how long it is kept, and the
person's rights. Built from the settings it depends on, so it cannot tell a different story."""

from flask import current_app

VERSION = "2026-12-01"


def privacy_notice() -> dict:
    days = current_app.config["PII_RETENTION_DAYS"]
    return {
        "version": VERSION,
        "controller": "微心愿平台运营方（所在区委组织部及社区党组织）",
        "items": [
            {
                "data": "微信登录标识（openid）、昵称",
                "purpose": "识别您的账号，在心愿、活动和积分中显示您",
                "shown_to": "其他用户只看到昵称",
                "retention": "至您注销账号",
            },
            {
                "data": "手机号",
                "purpose": "经您授权后绑定，便于网格员与认领党员联系您",
                "shown_to": "您本人、认领您心愿的党员、所在网格的网格员和管理员；其他人只看到掩码（如 138****1234）",
                "retention": "至您注销账号",
            },
            {
                "data": "心愿的联系电话和地址",
                "purpose": "让认领的党员上门或联系您办理心愿",
                "shown_to": "您本人、认领党员、所在网格的网格员和管理员；每次查看完整号码都有记录",
                "retention": f"心愿结束（办结、确认、撤销或驳回）后 {days} 天删除",
            },
            {
                "data": "心愿照片",
                "purpose": "说明需求和完成情况，经微信内容安全检测",
                "shown_to": "能查看该心愿的人",
                "retention": "随心愿保留",
            },
            {
                "data": "党员身份（姓名、所在支部、工作单位）",
                "purpose": "认证党员身份，才能认领心愿、参加活动",
                "shown_to": "审核您申请的网格员或单位党组织书记",
                "retention": "至您注销账号",
            },
            {
                "data": "积分、志愿时长、活动报名和签到位置",
                "purpose": "记录您的服务，生成志愿服务证明和排行榜",
                "shown_to": "积分和排行榜中的昵称公开；签到位置只用于核对是否在现场，不保存",
                "retention": "注销后以匿名身份保留，以免改变他人的排名和统计",
            },
        ],
        "rights": [
            "查询和导出您的全部个人信息（GET /api/v1/me/export）",
            "更正昵称、所在网格和手机号",
            "注销账号（DELETE /api/v1/me）：删除个人信息，心愿以匿名形式保留用于统计",
            "撤回订阅消息授权",
        ],
        "contact": "如有疑问或投诉，请联系所在社区网格员，或向区委组织部反映",
    }
