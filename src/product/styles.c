/*
 * styles.c - the 59 collection styles of POST /semantic_filter_jewelry/
 * (`category_description`), kept as data: a name (as the original's
 * clients send it, "Elegence" spelling included) and one sentence of
 * what the style looks like. The sentences are Karat's own; their words
 * expand a collection's full-text query, so they name materials, motifs,
 * finishes and occasions a product's text would mention.
 */
#include <string.h>

#include "core/util.h"
#include "product/product_int.h"

static const struct {
    const char *name, *text;
} styles[] = {
    {"Elegence",
     "Graceful refined pieces with clean lines, pearls and polished gold for formal evenings."},
    {"Simplicity",
     "Plain understated designs with a single stone or smooth band, light and easy to wear daily."},
    {"Heritage", "Traditional craftsmanship passed down generations: temple motifs, kundan, "
                 "filigree and antique gold."},
    {"Refinement",
     "Precise detailing and balanced proportions in fine metal with small diamonds or pearls."},
    {"Powerful", "Bold heavy statement pieces with strong shapes, thick chains and large stones."},
    {"Vibrant", "Bright lively colours, enamel and multicoloured stones full of energy."},
    {"Geometric", "Angular shapes, triangles, squares, hexagons and sharp symmetric lines."},
    {"Oversized", "Large dramatic pieces, big hoops, chunky chokers and wide cuffs."},
    {"Rustic", "Raw natural textures, hammered metal, oxidised silver and earthy stones."},
    {"Botanical", "Leaves, vines, petals and branches shaped in metal and green stones."},
    {"Grounded", "Earthy calm designs in wood tones, brown and green stones and matte metal."},
    {"Textured", "Surfaces with grain, ridges, hammered or brushed finishes that catch the light."},
    {"Opulent", "Lavish rich pieces layered with gold, rubies, emeralds and many stones."},
    {"Sparkling", "Brilliant shine from crystals, zircons, diamonds and faceted stones."},
    {"Golden", "Warm yellow gold tone from top to bottom, polished and glowing."},
    {"Regal", "Royal grandeur: crowns of stones, polki, kundan and heavy bridal gold."},
    {"Whimsical", "Playful fanciful motifs, stars, hearts, fairies and unexpected charms."},
    {"Cheerful", "Happy sunny pieces in bright colours, smiley motifs and light shapes."},
    {"Quirky", "Unusual fun designs, mismatched pairs and surprising novelty charms."},
    {"Colorful", "Many colours together, beads, enamel, multicolour stones and tassels."},
    {"Contemporary", "Current modern design, sleek forms and clean metal for today's wardrobe."},
    {"Minimalist", "Minimal thin delicate lines, tiny studs and simple chains without ornament."},
    {"Edgy", "Spikes, studs, chains, black metal and rebellious sharp forms."},
    {"Matte-finished", "Soft non reflective matte brushed metal surfaces with a muted glow."},
    {"Textured Metal", "Hammered, brushed, etched or ribbed metal with visible texture."},
    {"Minimal Metal", "Plain slim metal bands, bars and wires with no stones."},
    {"Gold-Plated", "Gold plated brass or silver with a bright gold finish at an easy price."},
    {"Delicate", "Fine dainty lightweight pieces, thin chains, small stones and soft detail."},
    {"Floral", "Flowers, blossoms, petals and rose motifs in metal, enamel or stones."},
    {"Soft", "Gentle pastel colours, rounded shapes, pearls and rose gold."},
    {"Festive",
     "Celebration pieces for weddings, Diwali and festivals, rich gold and colourful stones."},
    {"Radiant", "Glowing luminous shine, polished gold and bright stones that light up the face."},
    {"Abstract", "Free unconventional shapes, asymmetric forms and artistic curves."},
    {"Artisan", "Handmade by skilled artisans, visible hand work, hammered and engraved detail."},
    {"Eclectic", "A mix of styles, materials and colours combined freely."},
    {"Mixed Metals", "Gold, silver and rose gold tones combined in one piece."},
    {"Antique-inspired", "Vintage antique look, oxidised finish, old gold tone and ornate detail."},
    {"Retro", "Designs from past decades, bold shapes, enamel and vintage colours."},
    {"Victorian", "Ornate Victorian detail, cameos, lockets, garnets and dark gold filigree."},
    {"Gothic", "Dark dramatic black stones, crosses, skulls and oxidised silver."},
    {"Bohemian", "Free spirited boho layers, feathers, tassels, coins, beads and turquoise."},
    {"Ethnic",
     "Traditional ethnic designs, jhumkas, chandbalis, oxidised silver and tribal motifs."},
    {"Indian-inspired",
     "Indian traditional forms, jhumka, kundan, meenakari, temple and polki work."},
    {"Avant-garde", "Experimental sculptural pieces that break convention."},
    {"Futuristic", "Space age metallic shapes, chrome shine and sleek modern lines."},
    {"Street Style", "Urban casual pieces, chunky chains, hoops and logo charms."},
    {"Minimalist Chic", "Minimal yet stylish, sleek gold studs, slim hoops and fine chains."},
    {"Handcrafted", "Handcrafted pieces made by hand with careful traditional technique."},
    {"Mixed Media", "Metal combined with wood, resin, fabric, thread, glass or beads."},
    {"Innovative", "New ideas in form and material, convertible and modular designs."},
    {"Customizable", "Personalised pieces with names, initials, birthstones and engraving."},
    {"Healing", "Crystals and gemstones for wellbeing, quartz, amethyst and chakra stones."},
    {"Mystical", "Magical motifs, moons, eyes, talismans and mysterious dark stones."},
    {"Astrological", "Zodiac signs, constellations, birthstones and planets."},
    {"Symbolic", "Meaningful symbols, evil eye, om, infinity, hearts and religious signs."},
    {"Oceanic", "Sea inspired shells, waves, pearls, starfish and blue stones."},
    {"Forest-inspired", "Woodland leaves, trees, mushrooms, acorns and green stones."},
    {"Celestial", "Stars, moons, suns and sky motifs with sparkling stones."},
    {"Animal-inspired", "Animal motifs, peacocks, elephants, snakes, birds and butterflies."},
};

int product_style_count(void)
{
    return (int)(sizeof styles / sizeof styles[0]);
}

const char *product_style_name(int i)
{
    return i >= 0 && i < product_style_count() ? styles[i].name : NULL;
}

const char *product_style_text(int i)
{
    return i >= 0 && i < product_style_count() ? styles[i].text : NULL;
}

int product__style_find(const char *name)
{
    for (int i = 0; name && i < product_style_count(); i++)
        if (util_streq_ci(styles[i].name, name))
            return i;
    return -1;
}
