"""The parties and their competent authorities, with their names in four languages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "AUTHORITIES",
    "Authority",
    "AuthorityCode",
    "CarrierCode",
    "CompetentAuthorityCode",
    "Language",
    "Party",
]

Party = Literal["KAZ", "CHN"]
AuthorityCode = Literal["KAZ_MIA", "KAZ_MLSPP", "KAZ_MFA", "CHN_MFA", "CHN_NIA"]
#: The competent authorities a senator named (katyk_170737): Kazakhstan's Ministry of Internal
#: Affairs and Ministry of Labour, China's Ministry of Foreign Affairs and National
#: Immigration Administration. Kazakhstan's foreign ministry is not among them.
CompetentAuthorityCode = Literal["KAZ_MIA", "KAZ_MLSPP", "CHN_MFA", "CHN_NIA"]
#: The foreign ministries: they carry a message through the diplomatic channel.
CarrierCode = Literal["KAZ_MFA", "CHN_MFA"]
Language = Literal["en", "ru", "kk", "zh"]


@dataclass(frozen=True, slots=True)
class Authority:
    """An authority (competent, or a carrier): its state and its names in en, ru, kk, zh."""

    code: AuthorityCode
    state: Party
    names: dict[Language, str]


AUTHORITIES: dict[str, Authority] = {
    a.code: a
    for a in (
        Authority(
            "KAZ_MIA",
            "KAZ",
            {
                "en": "Ministry of Internal Affairs of the Republic of Kazakhstan",
                "ru": "Министерство внутренних дел Республики Казахстан",
                "kk": "Қазақстан Республикасының Ішкі істер министрлігі",
                "zh": "哈萨克斯坦共和国内务部",
            },
        ),
        Authority(
            "KAZ_MLSPP",
            "KAZ",
            {
                "en": "Ministry of Labour and Social Protection of Population of the Republic of "
                "Kazakhstan",
                "ru": "Министерство труда и социальной защиты населения Республики Казахстан",
                "kk": "Қазақстан Республикасының Еңбек және халықты әлеуметтік қорғау министрлігі",
                "zh": "哈萨克斯坦共和国劳动和居民社会保障部",
            },
        ),
        Authority(
            "KAZ_MFA",
            "KAZ",
            {
                "en": "Ministry of Foreign Affairs of the Republic of Kazakhstan",
                "ru": "Министерство иностранных дел Республики Казахстан",
                "kk": "Қазақстан Республикасының Сыртқы істер министрлігі",
                "zh": "哈萨克斯坦共和国外交部",
            },
        ),
        Authority(
            "CHN_MFA",
            "CHN",
            {
                "en": "Ministry of Foreign Affairs of the People's Republic of China",
                "ru": "Министерство иностранных дел Китайской Народной Республики",
                "kk": "Қытай Халық Республикасының Сыртқы істер министрлігі",
                "zh": "中华人民共和国外交部",
            },
        ),
        Authority(
            "CHN_NIA",
            "CHN",
            {
                "en": "National Immigration Administration of the People's Republic of China",
                "ru": "Государственное управление по делам миграции Китайской Народной Республики",
                "kk": "Қытай Халық Республикасының Ұлттық иммиграция басқармасы",
                "zh": "中华人民共和国国家移民管理局",
            },
        ),
    )
}
