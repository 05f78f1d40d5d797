"""Varied training text for the viseme model, per espeak language, from a seed.

Three kinds of line, mixed: sentences (pangrams and everyday phrases written
here), shuffled runs of each language's own common words, and pseudo-words
built from the language's spelling of consonants and vowels (espeak reads
them with its letter-to-sound rules, which reaches phoneme sequences real
words miss). Numbers are read in each language by espeak itself.
"""

from __future__ import annotations

import numpy as np

# language → (sentences, common words, consonant spellings, vowel spellings)
LANGUAGES: dict[str, tuple[list[str], str, str, str]] = {
    "en-us": (
        [
            "The quick brown fox jumps over the lazy dog.",
            "Pack my box with five dozen liquor jugs.",
            "How vexingly quick daft zebras jump!",
            "We were away a year ago, and who knew?",
            "Mommy made me mash my M&Ms.",
            "She sells sea shells by the sea shore.",
        ],
        "hello world people time year good work life child back father mother water "
        "thought through beautiful moon blue food book push shoe boat cheap judge "
        "vision thumb rhythm yellow window happy laughing apple orange purple",
        "b c d f g h j k l m n p r s t v w z ch sh th",
        "a e i o u ee oo ou ai ea ow",
    ),
    "en": (
        [
            "Sphinx of black quartz, judge my vow.",
            "The five boxing wizards jump quickly.",
            "Would you like a cup of tea with your biscuits?",
            "Rather a lot of rain fell on the moors last autumn.",
        ],
        "garden rather bath castle dance schedule tomato water lorry flat queue "
        "shop pound weather chance river forest mountain journey whisper thunder",
        "b d f g h j k l m n p r s t v w y z sh th",
        "a e i o u oo ee ay ow",
    ),
    "fr": (
        [
            "Portez ce vieux whisky au juge blond qui fume.",
            "Voix ambiguë d'un cœur qui au zéphyr préfère les jattes de kiwis.",
            "Bonjour, comment allez-vous aujourd'hui?",
            "Le petit chat boit du lait dans la cuisine.",
        ],
        "maison soleil fleur bonjour merci beaucoup enfant rouge jaune oiseau "
        "chanson pain vin lune feuille grenouille école musique heureux toujours",
        "b c d f g j l m n p r s t v ch gn qu",
        "a e i o u ou eau oi an on in eu é è",
    ),
    "de": (
        [
            "Victor jagt zwölf Boxkämpfer quer über den großen Sylter Deich.",
            "Falsches Üben von Xylophonmusik quält jeden größeren Zwerg.",
            "Guten Morgen, wie geht es Ihnen heute?",
        ],
        "Haus Baum Straße Mädchen Brücke Küche schön Vogel Fenster Zeitung Apfel "
        "Buch Milch Licht Nacht Kirche fröhlich Wasser Wolke Frühling",
        "b d f g h k l m n p r s t w z sch ch pf",
        "a e i o u ä ö ü ei au ie eu",
    ),
    "es": (
        [
            "El veloz murciélago hindú comía feliz cardillo y kiwi.",
            "La cigüeña tocaba el saxofón detrás del palenque de paja.",
            "Buenos días, ¿cómo estás?",
        ],
        "casa perro gato agua fuego ciudad mañana noche corazón cielo hermano "
        "montaña pájaro lluvia verde amarillo zapato música trabajo familia",
        "b c d f g j l m n p r s t v z ch ll rr ñ",
        "a e i o u ue ie ai",
    ),
    "it": (
        [
            "Pranzo d'acqua fa volti sghembi.",
            "Quel vituperabile xenofobo zelante assaggia il whisky ed esclama: alleluja!",
            "Buongiorno, come stai oggi?",
        ],
        "casa sole luna amore gatto cane acqua pizza famiglia bambino giorno notte "
        "chiesa ragazzo gelato strada bello grazie zucchero scuola",
        "b c d f g l m n p r s t v z gn gl sc ch",
        "a e i o u io ia uo",
    ),
    "pt": (
        [
            "Um pequeno jabuti xereta viu dez cegonhas felizes.",
            "Bom dia, tudo bem com você?",
            "O rato roeu a roupa do rei de Roma.",
        ],
        "casa coração pão mãe irmão cidade amanhã obrigado trabalho janela "
        "cachorro chuva sol lua praia escola menina saudade verão coelho",
        "b c d f g j l m n p r s t v x ch lh nh",
        "a e i o u ão õe ei ou",
    ),
    "nl": (
        [
            "Pa's wijze lynx bezag vroom het fikse aquaduct.",
            "Goedemorgen, hoe gaat het met je?",
        ],
        "huis fiets water brood kaas molen gracht meisje jongen school bloem "
        "regen zomer winter vogel boek straat vrienden lekker gezellig",
        "b d f g h j k l m n p r s t v w z sch ch",
        "a e i o u aa ee oo uu ij ui oe eu",
    ),
    "pl": (
        [
            "Pchnąć w tę łódź jeża lub ośm skrzyń fig.",
            "Dzień dobry, jak się masz?",
            "W Szczebrzeszynie chrząszcz brzmi w trzcinie.",
        ],
        "dom kot pies woda chleb miasto szkoła dziewczyna chłopiec słońce księżyc "
        "jabłko zielony czerwony przyjaciel rodzina książka deszcz góry morze",
        "b c d f g h j k l ł m n p r s t w z sz cz rz dz ż ś ć",
        "a e i o u y ą ę ó",
    ),
    "ru": (
        [
            "Съешь же ещё этих мягких французских булок да выпей чаю.",
            "Доброе утро, как у вас дела?",
        ],
        "дом кошка собака вода хлеб город школа девочка мальчик солнце луна "
        "яблоко зелёный красный друг семья книга дождь горы море",
        "б в г д ж з к л м н п р с т ф х ц ч ш щ",
        "а е ё и о у ы э ю я",
    ),
    "tr": (
        [
            "Pijamalı hasta yağız şoföre çabucak güvendi.",
            "Günaydın, nasılsınız?",
        ],
        "ev kedi köpek su ekmek şehir okul kız oğlan güneş ay elma yeşil kırmızı "
        "arkadaş aile kitap yağmur dağ deniz",
        "b c ç d f g ğ h j k l m n p r s ş t v y z",
        "a e ı i o ö u ü",
    ),
    "sw": (
        [
            "Habari ya asubuhi, rafiki yangu.",
            "Watoto wanacheza mpira uwanjani.",
        ],
        "nyumba paka mbwa maji mkate mji shule msichana mvulana jua mwezi tunda "
        "kijani nyekundu rafiki familia kitabu mvua mlima bahari",
        "b ch d f g h j k l m n p r s t v w y z ng ny sh mb nd",
        "a e i o u",
    ),
    "hi": (
        ["नमस्ते, आप कैसे हैं?", "मेरा नाम राम है और मैं दिल्ली में रहता हूँ।"],
        "घर बिल्ली कुत्ता पानी रोटी शहर स्कूल लड़की लड़का सूरज चाँद सेब हरा लाल "
        "दोस्त परिवार किताब बारिश पहाड़ समुद्र",
        "क ख ग घ च छ ज झ ट ड त थ द ध न प फ ब भ म य र ल व श स ह",
        "ा ि ी ु ू े ै ो ौ",
    ),
    "cmn": (
        [
            "你好，我们今天去北京吃饭。",
            "我喜欢喝茶，也喜欢看书。",
            "今天天气很好，我们去公园散步吧。",
        ],
        "家 猫 狗 水 面包 城市 学校 女孩 男孩 太阳 月亮 苹果 绿色 红色 朋友 家庭 书 雨 山 海 "
        "音乐 老师 学生 中国 电话 汽车 飞机 医生 医院 晚上 早上 快乐",
        "",
        "",
    ),
    "ja": (
        ["こんにちは、わたしはがくせいです。", "きょうはいいてんきですね。"],
        "いえ ねこ いぬ みず パン まち がっこう おんなのこ おとこのこ たいよう つき りんご "
        "みどり あか ともだち かぞく ほん あめ やま うみ さくら",
        "",  # romaji would be read as English letters
        "",
    ),
    "id": (
        ["Selamat pagi, apa kabar?", "Saya suka makan nasi goreng."],
        "rumah kucing anjing air roti kota sekolah perempuan laki matahari bulan "
        "apel hijau merah teman keluarga buku hujan gunung laut",
        "b c d f g h j k l m n p r s t w y ng ny",
        "a e i o u",
    ),
    "fi": (
        ["Hyvää huomenta, mitä kuuluu?", "Törkylempijävongahdus on pitkä sana."],
        "talo kissa koira vesi leipä kaupunki koulu tyttö poika aurinko kuu omena "
        "vihreä punainen ystävä perhe kirja sade vuori meri",
        "h j k l m n p r s t v",
        "a e i o u y ä ö aa ii uu",
    ),
    "cs": (
        ["Příliš žluťoučký kůň úpěl ďábelské ódy.", "Dobrý den, jak se máte?"],
        "dům kočka pes voda chléb město škola dívka chlapec slunce měsíc jablko "
        "zelený červený přítel rodina kniha déšť hora moře",
        "b c č d f g h j k l m n p r ř s š t v z ž",
        "a e i o u y á é í ú ě",
    ),
    "vi": (
        ["Xin chào, bạn có khỏe không?", "Tôi thích ăn phở vào buổi sáng."],
        "nhà mèo chó nước bánh mì thành phố trường học cô gái cậu bé mặt trời mặt trăng "
        "táo xanh đỏ bạn gia đình sách mưa núi biển",
        "b c d đ g h k l m n p r s t v x ch nh ng th tr",
        "a ă â e ê i o ô ơ u ư",
    ),
    # held out from training: evaluation only
    "sv": (
        ["Flygande bäckasiner söka hwila på mjuka tuvor.", "Hej, hur mår du i dag?"],
        "hus katt hund vatten bröd stad skola flicka pojke sol måne äpple grön röd "
        "vän familj bok regn berg hav",
        "b d f g h j k l m n p r s t v sj tj",
        "a e i o u y å ä ö",
    ),
    "el": (
        ["Γεια σου, τι κάνεις;", "Ξεσκεπάζω την ψυχοφθόρα βδελυγμία."],
        "σπίτι γάτα σκύλος νερό ψωμί πόλη σχολείο κορίτσι αγόρι ήλιος φεγγάρι μήλο "
        "πράσινο κόκκινο φίλος οικογένεια βιβλίο βροχή βουνό θάλασσα",
        "β γ δ ζ θ κ λ μ ν ξ π ρ σ τ φ χ ψ",
        "α ε η ι ο υ ω ου αι ει",
    ),
}

TRAIN_LANGUAGES = [lang for lang in LANGUAGES if lang not in ("sv", "el")]
HELD_OUT_LANGUAGES = ["sv", "el"]


def _pseudo_word(rng: np.random.Generator, consonants: list[str], vowels: list[str]) -> str:
    """One to four (C)V(C) syllables from the language's own spellings."""
    parts = []
    for _ in range(int(rng.integers(1, 5))):
        if rng.random() < 0.8:
            parts.append(consonants[rng.integers(len(consonants))])
        parts.append(vowels[rng.integers(len(vowels))])
        if rng.random() < 0.25:
            parts.append(consonants[rng.integers(len(consonants))])
    return "".join(parts)


def make_line(language: str, rng: np.random.Generator) -> str:
    """One line of text in ``language`` (a key of LANGUAGES), drawn with ``rng``."""
    sentences, words, consonants, vowels = LANGUAGES[language]
    words_list = words.split()
    cons, vows = consonants.split(), vowels.split()
    kind = rng.random()
    if kind < 0.2:
        return sentences[rng.integers(len(sentences))]
    n_words = int(rng.integers(3, 12))
    out = []
    for _ in range(n_words):
        r = rng.random()
        if r < 0.1:
            out.append(str(int(rng.integers(0, 10 ** int(rng.integers(1, 5))))))
        elif r < 0.45 and cons:
            out.append(_pseudo_word(rng, cons, vows))
        else:
            out.append(words_list[rng.integers(len(words_list))])
        if rng.random() < 0.12:
            out[-1] += rng.choice([",", ".", "?", "!"])
    sep = "" if language in ("cmn",) else " "
    return sep.join(out) + "."
