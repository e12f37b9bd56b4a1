import { getCollection, type CollectionEntry } from 'astro:content';

export type Lesson = CollectionEntry<'lessons'>;

/** Lessons of one language, in course order, with their URL slugs. */
export async function lessonsIn(lang: string): Promise<{ lesson: Lesson; slug: string; href: string }[]> {
  const all = await getCollection('lessons', (e) => e.id.startsWith(`${lang}/`));
  return all
    .sort((a, b) => a.data.order - b.data.order)
    .map((lesson) => {
      const slug = lesson.id.slice(lang.length + 1).replace(/^\d+-/, '');
      return { lesson, slug, href: `/${lang}/lessons/${slug}/` };
    });
}
