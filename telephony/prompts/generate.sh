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

say en greeting 160 "Thank you for calling."
say en menu     160 "Please press the number of your inquiry."
say en invalid  160 "Sorry, that is not a valid choice."
say en wait     160 "Connecting you to an operator. Please hold."
