#!/bin/sh
# generate.sh makes the default prompts with espeak-ng (GPL-3 program; its
# output is ours): 8 kHz µ-law, one .ul file per prompt and language. Run it
# with `go generate ./telephony/` after changing a text. Needs espeak-ng
# (Debian: apt-get install espeak-ng).
#
# Japanese text is written in hiragana with spaces between words: espeak-ng's
# Japanese voice reads kana but spells kanji out as "Chinese letter".
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

say() { # lang id speed text
	mkdir -p "$1"
	espeak-ng -v "$1" -s "$3" -w "$tmp/$1-$2.wav" "$4"
	go run ./wav2ulaw.go "$tmp/$1-$2.wav" "$1/$2.ul"
}

say ja greeting 140 "おでんわ ありがとう ございます。"
say ja menu     140 "ごようけんの ばんごうを おしてください。"
say ja invalid  140 "もうしわけ ございません。 ばんごうが ちがいます。"
say ja wait     140 "ただいま おつなぎ しています。 しばらく おまちください。"
say ja closed   150 "ただいまの じかんは うけつけ じかんがいです。 うけつけ じかんないに おかけなおし ください。"

say en greeting 160 "Thank you for calling."
say en menu     160 "Please press the number of your inquiry."
say en invalid  160 "Sorry, that is not a valid choice."
say en wait     160 "Connecting you to an operator. Please hold."
say en closed   160 "Thank you for calling. We are closed at the moment. Please call again during our business hours."

# Queue position announcements: "you are number N in line", N = 1..20 as
# whole words, and one sentence for a longer line.
say ja position 140 "ただいま おまちの じゅんばんは"
say ja inline   140 "です。 そのまま おまちください。"
say ja many     140 "ただいま たいへん こみあって います。 そのまま おまちください。"
say ja n1 140 "いちばんめ"
say ja n2 140 "にばんめ"
say ja n3 140 "さんばんめ"
say ja n4 140 "よんばんめ"
say ja n5 140 "ごばんめ"
say ja n6 140 "ろくばんめ"
say ja n7 140 "ななばんめ"
say ja n8 140 "はちばんめ"
say ja n9 140 "きゅうばんめ"
say ja n10 140 "じゅうばんめ"
say ja n11 140 "じゅういちばんめ"
say ja n12 140 "じゅうにばんめ"
say ja n13 140 "じゅうさんばんめ"
say ja n14 140 "じゅうよんばんめ"
say ja n15 140 "じゅうごばんめ"
say ja n16 140 "じゅうろくばんめ"
say ja n17 140 "じゅうななばんめ"
say ja n18 140 "じゅうはちばんめ"
say ja n19 140 "じゅうきゅうばんめ"
say ja n20 140 "にじゅうばんめ"
say en position 160 "At the moment, you are"
say en inline   160 "in line. Please stay on the line."
say en many     160 "We are very busy at the moment. Please stay on the line."
say en n1 160 "number one"
say en n2 160 "number two"
say en n3 160 "number three"
say en n4 160 "number four"
say en n5 160 "number five"
say en n6 160 "number six"
say en n7 160 "number seven"
say en n8 160 "number eight"
say en n9 160 "number nine"
say en n10 160 "number ten"
say en n11 160 "number eleven"
say en n12 160 "number twelve"
say en n13 160 "number thirteen"
say en n14 160 "number fourteen"
say en n15 160 "number fifteen"
say en n16 160 "number sixteen"
say en n17 160 "number seventeen"
say en n18 160 "number eighteen"
say en n19 160 "number nineteen"
say en n20 160 "number twenty"
