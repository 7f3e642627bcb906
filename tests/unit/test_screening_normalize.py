"""Each normalisation rule of the screening matcher, then the whole pipeline."""

from __future__ import annotations

from knownparty_service.domain.watchlists.normalize import (
    canonical_legal_forms,
    fold_case,
    is_ideographic,
    is_initial,
    legal_form_token,
    name_tokens,
    nfkc,
    split_camel_case,
    split_punctuation,
    strip_honorifics,
    transliterate,
)


def test_nfkc_folds_compatibility_forms():
    assert nfkc("ＡＢＣ") == "ABC"
    assert nfkc("ﬁrm") == "firm"
    assert nfkc("①") == "1"


def test_transliterate_accents_and_scripts():
    assert transliterate("GÖKTEN Çelik") == "GOKTEN Celik"
    assert transliterate("Владимир Путин") == "Vladimir Putin"
    assert transliterate("ΑΛΕΞΑΝΔΡΟΣ") == "ALEXANDROS"
    assert transliterate("فيصل").strip() != ""
    assert transliterate("plain ascii") == "plain ascii"


def test_transliterate_han_and_hangul_one_syllable_per_token():
    assert transliterate("张涛涛").split() == ["Zhang", "Tao", "Tao"]
    assert transliterate("김정은").split() == ["Gim", "Jeong", "Eun"]


def test_is_ideographic():
    assert is_ideographic("明 晨 郭")
    assert not is_ideographic("김정은")
    assert not is_ideographic("Zhang Taotao")


def test_split_camel_case_joined_tokens():
    assert split_camel_case("VladimirNikolaevich") == "Vladimir Nikolaevich"
    assert split_camel_case("MURILLOJuan Carlos") == "MURILLO Juan Carlos"
    assert split_camel_case("AbuUbaydah") == "Abu Ubaydah"


def test_split_camel_case_leaves_uniform_case_and_stray_capitals():
    assert split_camel_case("BANKMASKAN") == "BANKMASKAN"
    assert split_camel_case("bankmaskan") == "bankmaskan"
    assert split_camel_case("StevTn") == "StevTn"


def test_fold_case():
    assert fold_case("Straße GARCÍA") == "strasse garcía"


def test_split_punctuation():
    assert split_punctuation("al-khaz'ali, qays") == ["al", "khazali", "qays"]
    assert split_punctuation("cubi cafe, s.a. de c.v.") == ["cubi", "cafe", "sa", "de", "cv"]
    assert split_punctuation("j & m corp.") == ["j", "and", "m", "corp"]
    assert split_punctuation("mu\u2019tassim (ngo)") == ["mutassim", "ngo"]


def test_strip_honorifics_leading_only_and_never_empty():
    assert strip_honorifics(["dr", "ayman", "zawahiri"]) == ["ayman", "zawahiri"]
    assert strip_honorifics(["sheikh", "hajji", "omar"]) == ["omar"]
    assert strip_honorifics(["abu", "sheikh", "omar"]) == ["abu", "sheikh", "omar"]
    assert strip_honorifics(["sheikh"]) == ["sheikh"]


def test_canonical_legal_forms_variants_agree():
    def canon(text: str) -> list[str]:
        return canonical_legal_forms(split_punctuation(fold_case(text)))

    assert canon("acme limited") == canon("acme ltd") == ["acme", "ltd"]
    assert canon("acme company") == canon("acme co") == ["acme", "co"]
    assert canon("acme corporation") == canon("acme corp") == ["acme", "corp"]
    assert canon("acme incorporated") == canon("acme inc") == ["acme", "inc"]
    assert canon("acme limited liability company") == canon("acme llc") == canon("ooo acme")[::-1]
    assert canon("joint stock company genbank") == canon("jsc genbank") == canon("oao genbank") == ["jsc", "genbank"]
    assert canon("zao genbank") == canon("pao genbank") == ["jsc", "genbank"]
    assert canon("acme s.a.") == canon("acme sa") == ["acme", "sa"]
    assert canon("acme gmbh") == ["acme", "gmbh"]
    assert canon("hirmand shipping company limited") == ["hirmand", "shipping", "co", "ltd"]


def test_legal_form_token_typos_and_glued_suffixes():
    assert legal_form_token("compnay") == ("co",)
    assert legal_form_token("corporatiun") == ("corp",)
    assert legal_form_token("tradinglimited") == ("trading", "ltd")
    assert legal_form_token("teglimited") == ("teg", "ltd")
    assert legal_form_token("kalliope") == ("kalliope",)


def test_is_initial():
    assert is_initial("m")
    assert not is_initial("mo")
    assert not is_initial("1")


def test_name_tokens_pipeline():
    assert name_tokens("ООО «Ромашка»") == ["llc", "romashka"]
    assert name_tokens("Dr. GARCÍA, José") == ["garcia", "jose"]
    assert name_tokens("ANGLO-CARIBBEAN CO., LTD.") == ["anglo", "caribbean", "co", "ltd"]
    assert name_tokens("ZARITSKY VladimirNikolaevich") == ["zaritsky", "vladimir", "nikolaevich"]
    assert name_tokens("GOLDI ELECTRONICSS.A.") == ["goldi", "electronicssa"]
    assert name_tokens("张涛涛") == ["zhang", "tao", "tao"]
    assert name_tokens("") == []
