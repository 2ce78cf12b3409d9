#!/bin/sh
# dedup_quality.sh - duplicate-detection quality on a development set of
# catalog-style originals and transformed copies, built here from Debian
# packages (never committed; described step by step below).
#
#   bench/dedup_quality.sh [--build DIR] [--jobs N] [--set dev|heldout] [--photos-only]
#                          [-- ARGS for the C driver]
#
# 1. `apt-get download` + `dpkg -x` the source packages into bench/data/.
# 2. Originals (bench/data/dedup/<set>/orig): tuxpaint stamps composited on a
#    white square canvas (object long side 70 %, canvas 1000/1600/2000 px,
#    JPEG q90 4:2:0 baseline), the coins as hard-negative groups, and real
#    photos (opencv-doc, python3-skimage, mate-backgrounds) as they are.
# 3. Transformed copies per original (bench/data/dedup/<set>/var), one
#    family of positive transforms tested: re-encode, resize, re-frame,
#    photometric, rotate +-2 degrees, watermark (+ informational photo crops
#    and +-5 degree rotations, which are not targets).
# 4. bench_dedup_quality (bench/dedup_quality.c) hashes everything with the
#    real dedup module and prints recall per family and false positives.
#
# The "heldout" set uses other tuxpaint categories (clothes, hobbies, sports,
# town, ...) that were never looked at while tuning; run it to check the
# calibrated rule on objects it was not fitted to.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA="$ROOT/bench/data"
. "$ROOT/bench/lib.sh"
BUILD="$ROOT/build"
JOBS=$(nproc)
SET=dev
PHOTOS_ONLY=0 # --photos-only: the photo originals alone (the scene stage's families, quicker)
PKGS="tuxpaint-stamps-default opencv-doc python3-skimage mate-backgrounds plasma-workspace-wallpapers"
ROWS_PER_ORIGINAL=37 # transformed copies made per original (objects and photos alike)
ROWS_SCENE=15        # scene-family copies made per photo original on top (scene_variants)
# One ImageMagick thread per process: the copies are made in parallel already.
export MAGICK_THREAD_LIMIT=1

# ---- one original -> its transformed copies (run in parallel by xargs) ----
# usage: dedup_quality.sh --variants KIND ID ORIG STAMP OUTDIR
variants() {
    kind=$1 id=$2 orig=$3 stamp=$4 out=$5
    v="$out/$id"
    mkdir -p "$out"
    W=$(identify -format '%w' "$orig")
    H=$(identify -format '%h' "$orig")
    L=$(( W > H ? W : H ))
    J="-quality 90 -sampling-factor 2x2 -interlace none"
    man="$out/$id.tsv"
    want=$ROWS_PER_ORIGINAL
    [ "$kind" = object ] || want=$(( ROWS_PER_ORIGINAL + ROWS_SCENE ))
    # done before (every transform listed)? keep it
    if [ -f "$man" ] && [ "$(wc -l <"$man")" -eq "$want" ]; then
        return 0
    fi
    : >"$man"
    row() { printf '%s\t%s\t%s\t%s\n' "$1" "$id" "$2" "$3" >>"$man"; }

    # re-encode
    convert "$orig" \
        \( +clone -quality 95 -write "$v.q95.jpg" +delete \) \
        \( +clone -quality 75 -write "$v.q75.jpg" +delete \) \
        \( +clone -quality 60 -write "$v.q60.jpg" +delete \) \
        \( +clone -quality 40 -write "$v.q40.jpg" +delete \) \
        \( +clone -quality 90 -sampling-factor 1x1 -write "$v.s444.jpg" +delete \) \
        \( +clone -define png:compression-level=1 -write "$v.png" +delete \) null:
    case "$orig" in
    *.jpg) jpegtran -progressive -copy none "$orig" >"$v.prog.jpg" ;;
    *) convert "$orig" ppm:- | cjpeg -quality 90 -progressive >"$v.prog.jpg" ;;
    esac
    convert "$orig" ppm:- | cjpeg -quality 85 -sample 2x2 >"$v.cjpeg85.jpg"
    cwebp -quiet -q 80 "$v.png" -o "$v.webp"
    for x in q95 q75 q60 q40 s444 prog cjpeg85; do row "$v.$x.jpg" reencode "$x"; done
    row "$v.png" reencode png
    row "$v.webp" reencode webp

    # resize (long side) with different filters
    convert "$orig" \
        \( +clone -filter Box -resize 1200x1200 $J -write "$v.r1200.jpg" +delete \) \
        \( +clone -filter Triangle -resize 800x800 $J -write "$v.r800.jpg" +delete \) \
        \( +clone -filter Lanczos -resize 500x500 $J -write "$v.r500.jpg" +delete \) \
        \( +clone -filter Lanczos -resize 256x256 $J -write "$v.r256.jpg" +delete \) null:
    for x in r1200 r800 r500 r256; do row "$v.$x.jpg" resize "$x"; done

    # re-frame
    if [ "$kind" = object ]; then
        for pct in 50 85; do
            s=$(( W * pct / 100 ))
            convert -size "${W}x${H}" xc:white \( "$stamp" -resize "${s}x${s}" \) \
                -gravity center -composite $J "$v.scale$pct.jpg"
            row "$v.scale$pct.jpg" reframe "scale$pct"
        done
        convert "$orig" -bordercolor '#F5F5F5' -border 10% $J "$v.padf5.jpg"
        convert "$orig" -shave 5%x5% $J "$v.trim5.jpg"
        convert "$orig" -shave 10%x10% $J "$v.trim10.jpg"
        convert "$orig" -gravity center -background white -extent "${W}x$(( W * 5 / 4 ))" $J "$v.box45.jpg"
        for x in padf5 trim5 trim10 box45; do row "$v.$x.jpg" reframe "$x"; done
    else
        convert "$orig" -gravity center -background white -extent "${L}x${L}" $J "$v.padsq.jpg"
        convert "$orig" -gravity center -background '#F5F5F5' -extent "${L}x${L}" $J "$v.padf5.jpg"
        if [ "$W" -ge "$H" ]; then ext="${W}x$(( W * 5 / 4 ))"; else ext="$(( H * 5 / 4 ))x${H}"; fi
        convert "$orig" -gravity center -background white -extent "$ext" $J "$v.box45.jpg"
        convert "$orig" -shave 2%x2% $J "$v.trim2.jpg"
        for x in padsq padf5 box45 trim2; do row "$v.$x.jpg" reframe "$x"; done
        convert "$orig" \
            \( +clone -shave 5%x5% $J -write "$v.crop5.jpg" +delete \) \
            \( +clone -shave 10%x10% $J -write "$v.crop10.jpg" +delete \) null:
        row "$v.crop5.jpg" info-photo-crop crop5
        row "$v.crop10.jpg" info-photo-crop crop10
    fi

    # photometric
    convert "$orig" \
        \( +clone -modulate 110 $J -write "$v.bright110.jpg" +delete \) \
        \( +clone -modulate 90 $J -write "$v.bright90.jpg" +delete \) \
        \( +clone -brightness-contrast 0x15 $J -write "$v.contrast15.jpg" +delete \) \
        \( +clone -brightness-contrast 0x-15 $J -write "$v.contrast-15.jpg" +delete \) \
        \( +clone -gamma 0.8 $J -write "$v.gamma080.jpg" +delete \) \
        \( +clone -gamma 1.25 $J -write "$v.gamma125.jpg" +delete \) \
        \( +clone -modulate 100,120 $J -write "$v.sat120.jpg" +delete \) \
        \( +clone -modulate 100,80 $J -write "$v.sat80.jpg" +delete \) \
        \( +clone -channel R -evaluate multiply 1.08 -channel B -evaluate multiply 0.92 +channel $J -write "$v.wb.jpg" +delete \) \
        \( +clone -sharpen 0x1 $J -write "$v.sharpen.jpg" +delete \) \
        \( +clone -blur 0x1 $J -write "$v.blur1.jpg" +delete \) \
        \( +clone -blur 0x2 $J -write "$v.blur2.jpg" +delete \) null:
    for x in bright110 bright90 contrast15 contrast-15 gamma080 gamma125 sat120 sat80 wb sharpen blur1 blur2; do
        row "$v.$x.jpg" photometric "$x"
    done

    # rotation about the centre, same canvas, white fill
    convert "$orig" -virtual-pixel white \
        \( +clone -distort SRT 2 $J -write "$v.rot+2.jpg" +delete \) \
        \( +clone -distort SRT -2 $J -write "$v.rot-2.jpg" +delete \) \
        \( +clone -distort SRT 5 $J -write "$v.rot+5.jpg" +delete \) \
        \( +clone -distort SRT -5 $J -write "$v.rot-5.jpg" +delete \) null:
    row "$v.rot+2.jpg" rotate2 rot+2
    row "$v.rot-2.jpg" rotate2 rot-2
    row "$v.rot+5.jpg" info-rotate5 rot+5
    row "$v.rot-5.jpg" info-rotate5 rot-5

    # watermarks: text about 15 % of the width bottom-right, a logo disc top-left
    pt=$(( W / 42 + 1 ))
    m=$(( W / 40 + 1 ))
    r=$(( W / 20 + 1 ))
    convert "$orig" -gravity southeast -font DejaVu-Sans-Bold -pointsize "$pt" \
        -fill 'rgba(40,40,40,0.45)' -annotate "+$m+$m" 'karat.shop' $J "$v.wmtext.jpg"
    convert "$orig" -fill 'rgba(200,30,30,0.55)' \
        -draw "circle $(( m + r )),$(( m + r )) $(( m + 2 * r )),$(( m + r ))" \
        -fill 'rgba(255,255,255,0.8)' -pointsize "$(( r * 2 / 3 + 1 ))" -font DejaVu-Sans-Bold \
        -gravity northwest -annotate "+$(( m + r / 2 ))+$(( m + r / 2 ))" 'K' $J "$v.wmlogo.jpg"
    row "$v.wmtext.jpg" watermark wmtext
    row "$v.wmlogo.jpg" watermark wmlogo
    [ "$kind" = object ] || scene_variants
}

# The scene families (photos only; issue 15): the edits a seller makes to an
# on-model or lifestyle photo. Uses $orig $v $W $H $J and row() of variants.
scene_variants() {
    for p in 5 10 20; do
        cw=$(( W * (100 - 2 * p) / 100 )) ch=$(( H * (100 - 2 * p) / 100 ))
        convert "$orig" -gravity center -crop "${cw}x${ch}+0+0" +repage $J "$v.sc$p.jpg"
        # off-centre: the whole margin taken from the right and bottom
        convert "$orig" -gravity northwest -crop "${cw}x${ch}+0+0" +repage $J "$v.so$p.jpg"
        row "$v.sc$p.jpg" "scene-crop$p" "centre$p"
        row "$v.so$p.jpg" "scene-crop$p" "offcentre$p"
    done
    # aspect re-crops to 1:1 and 3:4 (the largest such centred window)
    for a in 1x1 3x4; do
        aw=${a%x*} ah=${a#*x}
        if [ $(( W * ah )) -ge $(( H * aw )) ]; then cw=$(( H * aw / ah )) ch=$H; else cw=$W ch=$(( W * ah / aw )); fi
        convert "$orig" -gravity center -crop "${cw}x${ch}+0+0" +repage $J "$v.as$a.jpg"
        row "$v.as$a.jpg" scene-aspect "$a"
    done
    # crop to 3:4, then re-encode at q80 and resize to 1080x1440 (Meesho, Myntra)
    if [ $(( W * 4 )) -ge $(( H * 3 )) ]; then cw=$(( H * 3 / 4 )) ch=$H; else cw=$W ch=$(( W * 4 / 3 )); fi
    convert "$orig" -gravity center -crop "${cw}x${ch}+0+0" +repage -resize '1080x1440!' \
        -quality 80 -sampling-factor 2x2 "$v.m1080.jpg"
    row "$v.m1080.jpg" scene-1080x1440 m1080
    # straightened: turned, then the largest centred window of the same
    # aspect that holds no corner fill
    for d in 2 -2 5 -5; do
        ad=${d#-}
        k=$(awk -v a="$ad" -v w="$W" -v h="$H" 'BEGIN { r = a * 3.14159265 / 180;
            l = (w > h ? w : h); s = (w > h ? h : w); printf "%.6f", 1 / (cos(r) + l / s * sin(r)) }')
        cw=$(awk -v k="$k" -v w="$W" 'BEGIN { printf "%d", w * k }')
        ch=$(awk -v k="$k" -v h="$H" 'BEGIN { printf "%d", h * k }')
        convert "$orig" -distort SRT "$d" -gravity center -crop "${cw}x${ch}+0+0" +repage $J "$v.sr$d.jpg"
        row "$v.sr$d.jpg" "scene-rotate$ad" "rot$d"
    done
    # a border added to a 10 % crop: white and a dark frame
    cw=$(( W * 80 / 100 )) ch=$(( H * 80 / 100 ))
    convert "$orig" -gravity center -crop "${cw}x${ch}+0+0" +repage -bordercolor white -border 6% $J "$v.sbw.jpg"
    convert "$orig" -gravity center -crop "${cw}x${ch}+0+0" +repage -bordercolor '#202020' -border 3% $J "$v.sbd.jpg"
    row "$v.sbw.jpg" scene-border white
    row "$v.sbd.jpg" scene-border dark
}

if [ "${1:-}" = --variants ]; then
    shift
    variants "$@"
    exit 0
fi

while [ $# -gt 0 ]; do
    case "$1" in
    --build) BUILD=$2; shift 2 ;;
    --jobs) JOBS=$2; shift 2 ;;
    --set) SET=$2; shift 2 ;;
    --photos-only) PHOTOS_ONLY=1; shift ;;
    --) shift; break ;;
    *) echo "usage: $0 [--build DIR] [--jobs N] [--set dev|heldout] [--photos-only] [-- driver args]" >&2; exit 2 ;;
    esac
done

for tool in convert identify jpegtran cjpeg cwebp dpkg-deb apt-get; do
    command -v "$tool" >/dev/null || { echo "missing $tool (run scripts/bootstrap)" >&2; exit 1; }
done

# ---- 1. packages ----
for p in $PKGS; do
    bench_fetch "$p"
done

# ---- 2. originals ----
SETDIR="$DATA/dedup/$SET"
ORIG="$SETDIR/orig"
VAR="$SETDIR/var"
STAMPS="$DATA/x/tuxpaint-stamps-default/usr/share/tuxpaint/stamps"
CV="$DATA/x/opencv-doc/usr/share/doc/opencv-doc/examples"
SK="$DATA/x/python3-skimage/usr/lib/python3/dist-packages/skimage/data"
MATE="$DATA/x/mate-backgrounds/usr/share/backgrounds/mate/nature"
PLASMA="$DATA/x/plasma-workspace-wallpapers/usr/share/wallpapers"
mkdir -p "$ORIG" "$VAR"
LIST="$SETDIR/originals.tsv" # id kind group path stamp
: >"$LIST.tmp"

n=0
add_object() { # group stamp
    id=$(echo "$2" | sed "s|$STAMPS/||; s|\.png$||; s|[/ ]|_|g")
    sizes="1000 1600 2000"
    c=$(echo $sizes | cut -d' ' -f$(( n % 3 + 1 )))
    s=$(( c * 70 / 100 ))
    out="$ORIG/$id.jpg"
    if [ ! -s "$out" ]; then
        convert -size "${c}x${c}" xc:white \( "$2" -resize "${s}x${s}" \) -gravity center \
            -composite -quality 90 -sampling-factor 2x2 -interlace none "$out"
    fi
    printf '%s\tobject\t%s\t%s\t%s\n' "$id" "$1" "$out" "$2" >>"$LIST.tmp"
    n=$(( n + 1 ))
}
add_photo() { # group file
    base=$(basename "$2")
    id="photo_${base%.*}"
    out="$ORIG/$id.${base##*.}"
    [ -s "$out" ] || cp "$2" "$out"
    printf '%s\tphoto\t%s\t%s\t-\n' "$id" "$1" "$out" >>"$LIST.tmp"
}

# Scene originals of issue 15 (dev set): plasma-workspace-wallpapers photos
# (the largest file of each, long side 2400 px), two 2:3 portrait windows,
# the similar-scene negative groups (group similar:X: different photos of
# like scenes, which must never match) and simulated bursts (group burst:X,
# reported as information like natural pairs; kind "frame": no copies made
# of them): a photo and three frames
# shifted by 2 %, zoomed by 4 % and shifted back 1.5 % with +5 % brightness.
plasma_photo() { # group name [portrait]
    src=$(ls -S "$PLASMA/$2/contents/images/"*.jpg "$PLASMA/$2/contents/images/"*.png 2>/dev/null | head -1)
    out="$ORIG/photo_$2${3:+_2x3}.jpg"
    if [ ! -s "$out" ]; then
        if [ -n "${3:-}" ]; then
            convert "$src" -gravity center -crop "$(identify -format '%[fx:floor(h*2/3)]x%h' "$src")+0+0" \
                +repage -resize 1600x2400 -quality 90 -sampling-factor 2x2 "$out"
        else
            convert "$src" -resize 2400x2400 -quality 90 -sampling-factor 2x2 "$out"
        fi
    fi
    printf '%s\tphoto\t%s\t%s\t-\n' "photo_$2${3:+_2x3}" "$1" "$out" >>"$LIST.tmp"
}
text_page() { # n: page n of the GPL-3 text as a 1240x1754 scan-like page
    out="$ORIG/photo_page_gpl$1.jpg"
    if [ ! -s "$out" ]; then
        txt=$(sed -n "$(( ($1 - 1) * 52 + 1 )),$(( $1 * 52 ))p" /usr/share/common-licenses/GPL-3 | tr -d '%')
        convert -size 1240x1754 xc:'#f4f1ea' -font DejaVu-Serif -pointsize 17 -fill '#202020' \
            -annotate +90+110 "$txt" -quality 90 -sampling-factor 2x2 "$out"
    fi
    printf '%s\tphoto\tsimilar:text\t%s\t-\n' "photo_page_gpl$1" "$out" >>"$LIST.tmp"
}
burst() { # name
    b="$ORIG/photo_$1.jpg"
    for k in 1 2 3; do
        out="$ORIG/photo_$1_burst$k.jpg"
        if [ ! -s "$out" ]; then
            case $k in
            1) op="-gravity northwest -crop 96%x96%+$(identify -format '%[fx:floor(w*0.02)]' "$b")+0" ;;
            2) op="-gravity center -crop 96%x96%+0+0" ;;
            3) op="-gravity northwest -crop 97%x97%+0+$(identify -format '%[fx:floor(h*0.015)]' "$b") -modulate 105" ;;
            esac
            # shellcheck disable=SC2086
            convert "$b" $op +repage -resize "$(identify -format '%wx%h!' "$b")" -quality 90 \
                -sampling-factor 2x2 "$out"
        fi
        printf '%s\tframe\tburst:%s\t%s\t-\n' "photo_$1_burst$k" "$1" "$out" >>"$LIST.tmp"
    done
}
scene_originals() {
    for f in Autumn FallenLeaf OneStandsOut; do plasma_photo photo "$f"; done
    for f in ColorfulCups Path; do plasma_photo "burst:$f" "$f"; done
    for f in BytheWater ColdRipple DarkestHour EveningGlow Shell summer_1am; do plasma_photo similar:beach "$f"; done
    plasma_photo photo MilkyWay 2x3
    plasma_photo photo Kite 2x3
    text_page 1
    text_page 2
    text_page 3
    burst ColorfulCups
    burst Path
}

if [ "$SET" = dev ]; then
    CATS="food animals plants household vehicles"
    for cat in $CATS; do
        find "$STAMPS/$cat" -name '*.png' | LC_ALL=C sort | while read -r f; do
            echo "$cat $f"
        done
    done >"$SETDIR/stamps.txt"
    for country in canadian euro us japanese; do
        find "$STAMPS/symbols/money/$country" -name '*.png' | LC_ALL=C sort | while read -r f; do
            echo "coin:$country $f"
        done
    done >>"$SETDIR/stamps.txt"
    [ "$PHOTOS_ONLY" = 1 ] || while read -r g f; do add_object "$g" "$f"; done <"$SETDIR/stamps.txt"
    # real photos; natural pairs (same scene, another shot) get a pair group
    for f in aero1 aero3 aloeL aloeR apple baboon basketball1 basketball2 board box box_in_scene \
        building butterfly chicky_512 ela_original ela_modified fruits graf1 graf3 HappyFish home \
        left right leuvenA leuvenB licenseplate_motion messi5 orange rubberwhale1 rubberwhale2 \
        smarties squirrel_cls stuff sudoku text_defocus text_motion; do
        src=$(ls "$CV/data/$f".* | head -1)
        case $f in
        aero*) g=pair:aero ;; aloe*) g=pair:aloe ;; basketball*) g=pair:basketball ;;
        ela_*) g=pair:ela ;; graf*) g=pair:graf ;; left | right) g=pair:leftright ;;
        leuven*) g=pair:leuven ;; rubberwhale*) g=pair:rubberwhale ;; text_*) g=pair:text ;;
        building | home) g=similar:street ;;
        *) g=photo ;;
        esac
        add_photo "$g" "$src"
    done
    for i in 1 2 3 4 5 6; do add_photo similar:street "$CV/text/scenetext0$i.jpg"; done
    for f in astronaut camera chelsea coffee coins rocket motorcycle_left motorcycle_right \
        hubble_deep_field moon grass gravel brick page text; do
        src=$(ls "$SK/$f".* | head -1)
        case $f in motorcycle*) g=pair:motorcycle ;; page | text) g=similar:text ;; *) g=photo ;; esac
        add_photo "$g" "$src"
    done
    for f in "$MATE"/*.jpg; do add_photo photo "$f"; done
    scene_originals
else
    for cat in clothes hobbies sports town people medical seasonal; do
        find "$STAMPS/$cat" -name '*.png' | LC_ALL=C sort | while read -r f; do echo "$cat $f"; done
    done >"$SETDIR/stamps.txt"
    while read -r g f; do add_object "$g" "$f"; done <"$SETDIR/stamps.txt"
fi
mv "$LIST.tmp" "$LIST"
echo "originals: $(wc -l <"$LIST")" >&2

# ---- 3. transformed copies ----
echo "making transformed copies with $JOBS jobs (kept from earlier runs when complete)..." >&2
while IFS="$(printf '\t')" read -r id kind group path stamp; do
    [ "$kind" = frame ] || printf '%s\n%s\n%s\n%s\n%s\n' "$kind" "$id" "$path" "$stamp" "$VAR"
done <"$LIST" | xargs -d '\n' -n 5 -P "$JOBS" sh "$0" --variants

# manifest: path id family variant group
MAN="$SETDIR/manifest.tsv"
{
    while IFS="$(printf '\t')" read -r id kind group path stamp; do
        printf '%s\t%s\torig\t-\t%s\n' "$path" "$id" "$group"
        [ "$kind" = frame ] || sed "s/\$/\t-/" "$VAR/$id.tsv"
    done <"$LIST"
} >"$MAN"
echo "manifest: $(wc -l <"$MAN") images" >&2

# ---- 4. measure ----
bench_header
for p in $PKGS; do
    printf 'package %s %s\n' "$p" "$(dpkg-deb -f "$(bench_deb "$p")" Version)"
done
"$BUILD/bench_dedup_quality" "$MAN" "$@"
