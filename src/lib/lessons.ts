import { getCollection, type CollectionEntry } from 'astro:content';
import { exerciseIdsIn } from './course-progress.ts';

export type Lesson = CollectionEntry<'lessons'>;

/** One lesson of a language's course, as the pages link and count it. */
export interface LessonLink {
  lesson: Lesson;
  /** URL slug: the file name without its `NN-` prefix. */
  slug: string;
  /** Absolute path of its page, with the trailing slash (`/en/lessons/<slug>/`). */
  href: string;
  /** Position in the course, from 1. */
  number: number;
  /** Ids of its `<Exercise>` elements, read from the MDX source at build time (see exerciseIdsIn). */
  exercises: string[];
}

/** Lessons of one language, in course order (frontmatter `order`), with their URL slugs. */
export async function lessonsIn(lang: string): Promise<LessonLink[]> {
  const all = await getCollection('lessons', (e) => e.id.startsWith(`${lang}/`));
  return all
    .sort((a, b) => a.data.order - b.data.order)
    .map((lesson, i) => {
      const slug = lesson.id.slice(lang.length + 1).replace(/^\d+-/, '');
      return { lesson, slug, href: `/${lang}/lessons/${slug}/`, number: i + 1, exercises: exerciseIdsIn(lesson.body ?? '') };
    });
}
